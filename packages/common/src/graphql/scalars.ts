import { DateTimeResolver } from "graphql-scalars";

/** `DateTime` as the contract names it: RFC 3339 strings on the wire, Date objects in code. */
export const DateTimeScalar = DateTimeResolver;
