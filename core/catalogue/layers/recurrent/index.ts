import { bidirectional } from './bidirectional';
import { embedding } from './embedding';
import { gru } from './gru';
import { lstm } from './lstm';
import { reverseTime } from './reverse-time';
import { simpleRnn } from './simple-rnn';

export const recurrentLayers = [embedding, simpleRnn, lstm, gru, bidirectional, reverseTime];
