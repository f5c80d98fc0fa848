import { Field, Int, ObjectType } from "type-graphql";
import { GraphQLSafeInt } from "graphql-scalars";
import { UserError } from "@localex/common";

@ObjectType({
  description: "What a number of credits is worth: in the community's reference currency (a configured value per credit) and in BTC (at a cached BTC price).",
})
export class CreditQuote {
  @Field(() => Int) credits!: number;
  @Field(() => String, { description: "The reference currency, ISO 4217 (e.g. EUR)." }) currency!: string;
  @Field(() => Int, { description: "What one credit is worth, in minor units of currency (cents)." }) creditValueMinor!: number;
  @Field(() => GraphQLSafeInt, { description: "credits × creditValueMinor, in minor units of currency." }) valueMinor!: number;
  @Field(() => String, { description: 'valueMinor as a decimal in currency, e.g. "25.00".' }) value!: string;
  @Field(() => GraphQLSafeInt, { description: "The value in BTC, in satoshis (1 BTC = 100 000 000), rounded to the nearest satoshi." }) satoshis!: number;
  @Field(() => String, { description: 'satoshis as a decimal in BTC, e.g. "0.00050000".' }) btc!: string;
  @Field(() => GraphQLSafeInt, { description: "The BTC price used: one BTC in minor units of currency." }) btcPriceMinor!: number;
  @Field(() => String, { description: "btcPriceMinor as a decimal in currency." }) btcPrice!: string;
  @Field(() => Date, { description: "When the BTC price used was fetched from its source." }) priceAt!: Date;
  @Field(() => Int, { description: "How old the BTC price used is, in whole seconds." }) ageSeconds!: number;
  @Field(() => String, { description: "Where the BTC price came from: fixed (a configured development price) or http (the ticker)." }) source!: string;
}

@ObjectType()
export class CreditQuotePayload {
  @Field(() => CreditQuote, { nullable: true }) quote!: CreditQuote | null;
  @Field(() => [UserError], {
    description:
      "Why there is no quote: QUOTES_NOT_CONFIGURED, INVALID_AMOUNT (credits), PRICE_UNAVAILABLE (no BTC price could be had), PRICE_STALE (the last price is older than allowed and could not be refreshed).",
  })
  errors!: UserError[];
  @Field(() => Date, { nullable: true, description: "With PRICE_STALE: when the last BTC price known was fetched." }) lastPriceAt!: Date | null;
  @Field(() => Int, { nullable: true, description: "With PRICE_STALE: how old the last BTC price known is, in whole seconds." }) lastPriceAgeSeconds!:
    | number
    | null;
}
