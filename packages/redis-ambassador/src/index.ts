/** @podkit/redis-ambassador */
export {};
