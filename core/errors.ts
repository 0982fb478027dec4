// The error vocabulary for core/ and everything above it: defined in schemas/errors.ts, the bottom layer (schemas/
// validate with it and import nothing from core/), and imported from here by the rest of the code.
export * from '../schemas/errors.ts';
