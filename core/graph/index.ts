export * from './document';
export * from './parse';
export * from './serialize';
export * from './analyze';
export * from './summary';
export { MIGRATIONS, type Migration } from './migrations';
export * from './builder';
export * from './edit';
export * from './saved-runs';
