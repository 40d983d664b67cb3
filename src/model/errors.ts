// Model failures, classified by what the caller should do about them.

/** The server refused the request for exceeding its context window: re-pack smaller, do not retry as is. */
export class ContextOverflowError extends Error {
  constructor(message: string, readonly promptTokens: number) {
    super(message);
    this.name = "ContextOverflowError";
  }
}

/** Worth retrying later: the endpoint is down, overloaded, timing out or rate limiting. */
export class ModelUnavailableError extends Error {
  constructor(message: string, readonly retryAfterMs: number | null = null) {
    super(message);
    this.name = "ModelUnavailableError";
  }
}

/** Retrying cannot help (wrong model name, bad API key, request rejected): an operator must act. */
export class ModelConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelConfigurationError";
  }
}
