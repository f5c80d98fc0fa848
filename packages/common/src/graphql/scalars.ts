import { DateTimeResolver, JSONObjectResolver } from "graphql-scalars";

/** `DateTime` as the contract names it: RFC 3339 strings on the wire, Date objects in code. */
export const DateTimeScalar = DateTimeResolver;
/** `JSONObject`: a JSON object as it is (the admin audit log's `details`, whose shape depends on the action). */
export const JSONObjectScalar = JSONObjectResolver;
