CREATE TYPE "public"."request_status" AS ENUM('requested', 'assigned', 'aggregating', 'fulfilled', 'expired', 'failed');--> statement-breakpoint
CREATE TYPE "public"."verification_status" AS ENUM('pending', 'valid', 'invalid');--> statement-breakpoint
CREATE TABLE "assignments" (
	"request_id" text NOT NULL,
	"prover" text NOT NULL,
	"notary" text NOT NULL,
	"position" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "assignments_request_id_prover_pk" PRIMARY KEY("request_id","prover")
);
--> statement-breakpoint
CREATE TABLE "bundles" (
	"cid" text PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"prover" text NOT NULL,
	"content" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chain_cursors" (
	"name" text PRIMARY KEY NOT NULL,
	"last_block" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evidence" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"notary" text NOT NULL,
	"prover" text NOT NULL,
	"kind" text NOT NULL,
	"detail" jsonb NOT NULL,
	"tx_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operator_jobs" (
	"request_id" text NOT NULL,
	"operator" text NOT NULL,
	"state" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error_code" text,
	"last_error" text,
	"next_attempt_at" timestamp with time zone,
	"bundle_cid" text,
	"tx_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "operator_jobs_request_id_operator_pk" PRIMARY KEY("request_id","operator")
);
--> statement-breakpoint
CREATE TABLE "operators" (
	"address" text PRIMARY KEY NOT NULL,
	"metadata_uri" text,
	"notary_url" text,
	"bond" numeric(78, 0) DEFAULT '0' NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"agreed" integer DEFAULT 0 NOT NULL,
	"invalid" integer DEFAULT 0 NOT NULL,
	"slashed" integer DEFAULT 0 NOT NULL,
	"registered_block" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "records" (
	"id" text PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"index" integer NOT NULL,
	"value" jsonb NOT NULL,
	"leaf_hash" text NOT NULL,
	"proof" jsonb NOT NULL,
	"provenance" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"request_id" text PRIMARY KEY NOT NULL,
	"report_cid" text NOT NULL,
	"merkle_root" text NOT NULL,
	"policy_outcome" jsonb NOT NULL,
	"record_count" integer DEFAULT 0 NOT NULL,
	"fulfill_tx_hash" text,
	"fulfill_block_number" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "request_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"source" text NOT NULL,
	"stage" text NOT NULL,
	"detail" jsonb
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"id" text PRIMARY KEY NOT NULL,
	"consumer" text NOT NULL,
	"spec_hash" text NOT NULL,
	"spec_cid" text NOT NULL,
	"spec" jsonb,
	"quorum" integer NOT NULL,
	"deadline" bigint NOT NULL,
	"fee" numeric(78, 0) NOT NULL,
	"tx_hash" text,
	"block_number" bigint,
	"status" "request_status" DEFAULT 'requested' NOT NULL,
	"merkle_root" text,
	"report_cid" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"fulfilled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "responses" (
	"request_id" text NOT NULL,
	"prover" text NOT NULL,
	"notary" text NOT NULL,
	"result_hash" text NOT NULL,
	"bundle_cid" text NOT NULL,
	"tx_hash" text,
	"block_number" bigint,
	"verification" "verification_status" DEFAULT 'pending' NOT NULL,
	"invalid_code" text,
	"invalid_message" text,
	"value" jsonb,
	"verified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "responses_request_id_prover_pk" PRIMARY KEY("request_id","prover")
);
--> statement-breakpoint
CREATE INDEX "assignments_notary_idx" ON "assignments" USING btree ("notary","request_id");--> statement-breakpoint
CREATE INDEX "assignments_prover_idx" ON "assignments" USING btree ("prover");--> statement-breakpoint
CREATE INDEX "bundles_request_idx" ON "bundles" USING btree ("request_id","prover");--> statement-breakpoint
CREATE UNIQUE INDEX "evidence_subject_idx" ON "evidence" USING btree ("request_id","notary","prover","kind");--> statement-breakpoint
CREATE INDEX "evidence_notary_idx" ON "evidence" USING btree ("notary");--> statement-breakpoint
CREATE INDEX "operator_jobs_state_idx" ON "operator_jobs" USING btree ("operator","state","next_attempt_at");--> statement-breakpoint
CREATE INDEX "operators_status_idx" ON "operators" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "records_request_index_idx" ON "records" USING btree ("request_id","index");--> statement-breakpoint
CREATE INDEX "records_leaf_hash_idx" ON "records" USING btree ("leaf_hash");--> statement-breakpoint
CREATE INDEX "request_events_request_idx" ON "request_events" USING btree ("request_id","id");--> statement-breakpoint
CREATE INDEX "requests_status_idx" ON "requests" USING btree ("status");--> statement-breakpoint
CREATE INDEX "requests_consumer_idx" ON "requests" USING btree ("consumer");--> statement-breakpoint
CREATE INDEX "requests_created_at_idx" ON "requests" USING btree ("created_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "requests_spec_hash_idx" ON "requests" USING btree ("spec_hash");--> statement-breakpoint
CREATE INDEX "responses_verification_idx" ON "responses" USING btree ("verification");--> statement-breakpoint
CREATE INDEX "responses_notary_idx" ON "responses" USING btree ("notary");--> statement-breakpoint
CREATE INDEX "responses_prover_idx" ON "responses" USING btree ("prover");--> statement-breakpoint
CREATE INDEX "responses_bundle_cid_idx" ON "responses" USING btree ("bundle_cid");