export function Inspector() {
  return (
    <aside className="panel inspector" aria-label="Inspector">
      <h2 className="panel-title">Inspector</h2>
      <div className="panel-body panel-empty">
        <p>Select a node to edit its parameters</p>
      </div>
    </aside>
  );
}
