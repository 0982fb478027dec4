ALTER TABLE "requests" ADD COLUMN "value_hash" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "challenge_deadline" bigint;