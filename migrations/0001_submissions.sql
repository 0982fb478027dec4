CREATE TABLE "submissions" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'submitting' NOT NULL,
	"consumer" text NOT NULL,
	"spec_hash" text NOT NULL,
	"spec_cid" text NOT NULL,
	"spec" jsonb NOT NULL,
	"fee" numeric(78, 0) NOT NULL,
	"tx_hash" text,
	"request_id" text,
	"error_code" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "submissions_spec_idx" ON "submissions" USING btree ("consumer","spec_hash");--> statement-breakpoint
CREATE INDEX "submissions_status_idx" ON "submissions" USING btree ("status");