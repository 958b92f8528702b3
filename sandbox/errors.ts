/** Base class of the control API's errors; the error handler answers `{"error":{"message","param"}}` with `status`. */
export abstract class ControlError extends Error {
  abstract readonly status: number;
  constructor(
    message: string,
    /** The request field at fault, if one is. */
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Raised when a control request is malformed or names an unknown provider; answered 400. */
export class ControlBadRequestError extends ControlError {
  readonly status = 400;
}

/** Raised when the account or trade a control request names does not exist; answered 404. */
export class ControlNotFoundError extends ControlError {
  readonly status = 404;
}

/** Raised when a control request conflicts with a trade's state (e.g. paying a closed trade); answered 409. */
export class ControlConflictError extends ControlError {
  readonly status = 409;
}
