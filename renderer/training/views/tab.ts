/**
 * The contract of one tab of the training dock that draws inspection views. Each tab file in this
 * folder exports one; `index.ts` lists them in display order.
 */
import type { InspectKind } from '../../../core/inspect/types';
import type { Run } from '../training-store';

export interface DockTab {
  /** Also the tab button's test id: `tab-<id>`. */
  id: string;
  label: string;
  /**
   * The `core/inspect` views the tab draws; the first one's availability (the run's
   * `capabilities.views`) decides whether the tab shows. Empty: drawn from the run's own
   * metrics, always shown.
   */
  draws: InspectKind[];
  Component: (props: { run: Run | null }) => React.ReactNode;
}

/** Whether a tab shows for a run: before its model is compiled every tab does (it says what to do). */
export function tabShows(tab: DockTab, run: Run | null): boolean {
  const primary = tab.draws[0];
  const views = run?.capabilities?.views;
  return primary === undefined || views === undefined || views.includes(primary);
}
