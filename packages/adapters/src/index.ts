/** @podkit/adapters */
export {};
