export * from './record';
export * from './store';
