/** The plain Runpod REST v2 client: usable and tested without Pulumi. */
export * from "./client";
export * from "./errors";
export * from "./rateLimitHeaders";
export * from "./rateLimiter";
export * from "./requestTimeout";
export * from "./retryPolicy";
export * from "./schemas";
export * from "./settings";
