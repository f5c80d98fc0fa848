CREATE TABLE "identity"."welcome_grants" (
	"mailbox_sha256" text PRIMARY KEY NOT NULL,
	"granted_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Members verified before this migration have had their grant: their mailboxes count. The same
-- canonical form as users/canonical-email.ts (addresses are stored NFC, trimmed, lower-cased):
-- the part after the last @ without trailing dots, the part before it up to the first +, and for
-- gmail.com / googlemail.com no dots and one domain.
INSERT INTO "identity"."welcome_grants" ("mailbox_sha256")
SELECT DISTINCT encode(sha256(convert_to(
         CASE WHEN domain IN ('gmail.com', 'googlemail.com') THEN replace(local, '.', '') || '@gmail.com' ELSE local || '@' || domain END,
         'UTF8')), 'hex')
FROM (
  SELECT split_part(left(email, length(email) - length(after_at) - 1), '+', 1) AS local, rtrim(after_at, '.') AS domain
  FROM (SELECT email, substring(email from '[^@]*$') AS after_at FROM "identity"."users" WHERE email_verified AND position('@' in email) > 0) verified
) parts
ON CONFLICT DO NOTHING;
