import type { Platform } from '../platform';

export interface HeaderProps {
  fileName: string;
  shell: Platform['kind'];
}

export function Header({ fileName, shell }: HeaderProps) {
  return (
    <header className="app-header">
      <div className="brand">
        <svg className="brand-mark" viewBox="0 0 24 24" aria-hidden="true">
          <circle cx="5" cy="6" r="2.4" />
          <circle cx="5" cy="18" r="2.4" />
          <circle cx="19" cy="12" r="2.4" />
          <path d="M7.2 6.8 16.8 11.2M7.2 17.2l9.6-4.4" />
        </svg>
        <span className="brand-name">Netwright</span>
      </div>
      <div className="header-file" data-testid="file-name" title={fileName}>
        {fileName}
      </div>
      <div className="header-shell" title={shell === 'web' ? 'Running in the browser' : 'Running in the desktop app'}>
        {shell === 'web' ? 'Web' : 'Desktop'}
      </div>
    </header>
  );
}
