// One error type for everything that should become an HTTP answer. Services throw these without knowing
// about HTTP beyond the status; the one error handler (error-handler.ts) turns them into pages or JSON.

export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    message: string,
    readonly details: {
      fields?: FieldErrors;
      retryAfterSeconds?: number;
      /** Extra values a page may show (e.g. both versions on a 409). */
      context?: Record<string, unknown>;
    } = {},
  ) {
    super(message);
  }
}

export class Invalid extends AppError {
  override name = 'Invalid';
  constructor(fields: FieldErrors, message = 'Please correct the highlighted fields.') {
    super(422, message, { fields });
  }
  get fields(): FieldErrors {
    return this.details.fields ?? {};
  }
}

export class Forbidden extends AppError {
  override name = 'Forbidden';
  constructor(message = 'You do not have permission to do that.') {
    super(403, message);
  }
}

export class NotFound extends AppError {
  override name = 'NotFound';
  constructor(message = 'We could not find that page.') {
    super(404, message);
  }
}

export class Conflict extends AppError {
  override name = 'Conflict';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(409, message, { context });
  }
}

export class PayloadTooLarge extends AppError {
  override name = 'PayloadTooLarge';
  constructor(message = 'That upload is too large.') {
    super(413, message);
  }
}

export class UnsupportedMediaType extends AppError {
  override name = 'UnsupportedMediaType';
  constructor(message = 'That file is not an accepted image.') {
    super(415, message);
  }
}

export class TooManyRequests extends AppError {
  override name = 'TooManyRequests';
  constructor(retryAfterSeconds: number, message = 'Too many attempts. Please wait and try again.') {
    super(429, message, { retryAfterSeconds });
  }
}

export class ServiceUnavailable extends AppError {
  override name = 'ServiceUnavailable';
  constructor(message = 'The service is busy. Please try again shortly.', retryAfterSeconds = 5) {
    super(503, message, { retryAfterSeconds });
  }
}

/** A field-level Invalid for one field, the common case in services. */
export function invalidField(field: string, message: string): Invalid {
  return new Invalid({ [field]: [message] });
}
