export * from './validate';
export * from './probe';
