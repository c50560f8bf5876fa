/** Every rule of the PyTorch export, by catalogue type, and the Python helpers they use (in definition order). */
import { ADVANCED_HELPERS, ADVANCED_RULES } from './rules-advanced';
import { BASIC_RULES, HELPERS as BASIC_HELPERS, type LayerRule } from './rules';
import { RECURRENT_HELPERS, RECURRENT_RULES } from './rules-recurrent';
import { RESHAPING_HELPERS, RESHAPING_RULES } from './rules-reshaping';

export const LAYER_RULES: Readonly<Record<string, LayerRule>> = { ...BASIC_RULES, ...ADVANCED_RULES, ...RESHAPING_RULES, ...RECURRENT_RULES };

/** masked_softmax comes before the classes that call it. */
export const HELPERS: Readonly<Record<string, string>> = { ...BASIC_HELPERS, ...ADVANCED_HELPERS, ...RESHAPING_HELPERS, ...RECURRENT_HELPERS };
