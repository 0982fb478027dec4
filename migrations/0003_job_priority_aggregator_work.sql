CREATE TABLE "aggregator_work" (
	"request_id" text PRIMARY KEY NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_error_code" text,
	"last_error" text,
	"ended_code" text,
	"ended_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "operator_jobs" ADD COLUMN "fee_per_prover" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "operator_jobs" ADD COLUMN "deadline" bigint;