/**
 * The mailbox an address reaches, for deciding who has had the welcome grant: a second account
 * on the same mailbox gets none. Lower-cased; `+tag` dropped (sub-addressing, `ann+2@…` is
 * `ann@…`'s inbox at every major provider); for Gmail, dots in the local part are dropped and
 * googlemail.com is gmail.com, as Gmail delivers them. Never shown or used to send mail: the
 * member's address stays as they typed it.
 */
const GMAIL_DOMAINS = new Set(["gmail.com", "googlemail.com"]);

export function canonicalEmail(email: string): string {
  const address = email.normalize("NFC").trim().toLowerCase();
  const at = address.lastIndexOf("@");
  if (at < 0) return address;
  let local = address.slice(0, at);
  let domain = address.slice(at + 1).replace(/\.+$/, "");
  const plus = local.indexOf("+");
  if (plus >= 0) local = local.slice(0, plus);
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll(".", "");
    domain = "gmail.com";
  }
  return `${local}@${domain}`;
}
