/** The most credits one transfer, grant or hold may move. */
export const MAX_AMOUNT = 1_000_000;
export const MEMO_MAX = 200;
/** Every new member starts with this many credits, from the issuance account. */
export const WELCOME_GRANT = 100;
