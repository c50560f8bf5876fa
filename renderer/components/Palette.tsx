import { declsByCategory } from '../../core/catalogue/registry';

// The catalogue is static: read it once.
const GROUPS = [...declsByCategory()].filter(([, decls]) => decls.length > 0);

export function Palette() {
  return (
    <aside className="panel palette" aria-label="Layer palette">
      <h2 className="panel-title">Layers</h2>
      <div className="panel-body">
        {GROUPS.map(([category, decls]) => (
          <section key={category} className="palette-group" aria-label={category}>
            <h3 className="palette-category">
              {category}
              <span className="palette-count">{decls.length}</span>
            </h3>
            <ul className="palette-list">
              {decls.map((decl) => (
                <li key={decl.type} className={`palette-item kind-${decl.kind}`} title={decl.description}>
                  <span className="palette-dot" aria-hidden="true" />
                  <span className="palette-name">{decl.type}</span>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </aside>
  );
}
