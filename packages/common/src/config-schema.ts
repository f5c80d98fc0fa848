// The pieces configuration sections are built from: each section is a zod schema over the
// environment variables it reads (so an issue's path is the variable an operator sets), which
// turns them into the section's shape. A choice between variants is a discriminated union, so
// the variables one variant needs are required by it and typed as set in it.
import { z } from "zod";

export const port = z.coerce.number().int().min(0).max(65535);
export const secret = z.string().min(32, "must be at least 32 characters");
export const nodeEnv = z.enum(["development", "test", "production"]).default("development");
export const httpUrl = (params?: { error?: z.core.$ZodErrorMap }) => z.url({ protocol: /^https?$/, ...params });

/** For a variable one variant needs: its absence says which choice needs it. */
export const requiredWhen = (condition: string): { error: z.core.$ZodErrorMap } => ({
  error: (issue) => (issue.input === undefined ? `is required when ${condition}` : undefined),
});

/** One problem with the variable `variable`, from a section's refinement. */
export const problem = (ctx: z.core.$RefinementCtx, variable: string, message: string) => ctx.addIssue({ code: "custom", path: [variable], message });

/** The variables a section's schema reads: the keys of its objects, through pipes, unions and wrappers. */
export function variablesOf(schema: z.core.$ZodType): string[] {
  const def = schema._zod.def as unknown as z.core.$ZodTypeDef & Record<string, unknown>;
  switch (def.type) {
    case "object":
      return Object.keys((def as unknown as z.core.$ZodObjectDef).shape);
    case "pipe":
      return variablesOf((def as unknown as z.core.$ZodPipeDef).in);
    case "union":
      return (def as unknown as z.core.$ZodUnionDef).options.flatMap(variablesOf);
    case "intersection":
      return [...variablesOf((def as unknown as z.core.$ZodIntersectionDef).left), ...variablesOf((def as unknown as z.core.$ZodIntersectionDef).right)];
    default:
      return "innerType" in def ? variablesOf(def.innerType as z.core.$ZodType) : [];
  }
}
