import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import { toPayload } from "@localex/common";
import type { LedgerContext } from "../context.ts";
import { CreditQuote, CreditQuotePayload } from "./quote.type.ts";

@Resolver(() => CreditQuote)
export class QuotesResolver {
  @Query(() => CreditQuotePayload, {
    description: "What a number of credits (0 to 1000000000) is worth in the reference currency and in BTC. Errors as data; see CreditQuotePayload.errors.",
  })
  async creditQuote(@Arg("credits", () => Int) credits: number, @Ctx() ctx: LedgerContext): Promise<CreditQuotePayload> {
    const result = await ctx.services.quotes.quote(credits);
    const stale = result.ok ? null : result;
    return { ...toPayload(result, "quote"), lastPriceAt: stale?.lastPriceAt ?? null, lastPriceAgeSeconds: stale?.lastPriceAgeSeconds ?? null };
  }
}
