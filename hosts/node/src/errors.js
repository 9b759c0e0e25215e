// The error every invocation fails with.

/** A failed invocation: `json` is `{kind, ...fields}`. */
export class InvokeError extends Error {
  constructor(json) {
    super(JSON.stringify(json));
    this.json = json;
  }
}
