/**
 * The Standard Schema v1 interface (https://standardschema.dev, the
 * `@standard-schema/spec` package), declared here so that core keeps zero
 * dependencies. The spec is meant to be restated this way: any validator that
 * implements it (zod, valibot, arktype...) is structurally assignable to
 * these types. Only the parts `classify` uses are declared.
 */

/** A path segment: a key, or an object holding one. */
export interface StandardPathSegment {
  readonly key: PropertyKey;
}

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | StandardPathSegment> | undefined;
}

export type StandardResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** The type a schema produces. */
export type StandardOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
