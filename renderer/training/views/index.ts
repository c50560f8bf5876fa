/**
 * The training dock's view tabs in display order (Setup comes first and Runs last: they are not
 * views). A new view's drawing is one file here exporting a `DockTab` and its line below; a
 * unit test checks that every `core/inspect` view is drawn by some tab.
 */
import { activationsTab } from './activations';
import { attentionTab } from './attention';
import { confusionTab } from './confusion';
import { curvesTab } from './curves';
import { ganTab } from './gan';
import { gradientsTab } from './gradients';
import type { DockTab } from './tab';
import { vaeTab } from './vae';

export const DOCK_TABS: readonly DockTab[] = [curvesTab, activationsTab, attentionTab, gradientsTab, confusionTab, vaeTab, ganTab];

export { tabShows, type DockTab } from './tab';
