CREATE TABLE "dataset_sources" (
	"registry" text NOT NULL,
	"dataset_id" bigint NOT NULL,
	"source" text NOT NULL,
	"feed_id" bigint,
	"request_id" text,
	"block_number" bigint NOT NULL,
	"log_index" integer NOT NULL,
	CONSTRAINT "dataset_sources_registry_dataset_id_source_pk" PRIMARY KEY("registry","dataset_id","source")
);
--> statement-breakpoint
CREATE TABLE "dataset_versions" (
	"registry" text NOT NULL,
	"dataset_id" bigint NOT NULL,
	"version" integer NOT NULL,
	"root" text NOT NULL,
	"request_id" text NOT NULL,
	"request_root" text NOT NULL,
	"record_count" bigint NOT NULL,
	"tx_hash" text NOT NULL,
	"block_number" bigint NOT NULL,
	"timestamp" bigint NOT NULL,
	CONSTRAINT "dataset_versions_registry_dataset_id_version_pk" PRIMARY KEY("registry","dataset_id","version")
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"registry" text NOT NULL,
	"id" bigint NOT NULL,
	"owner" text NOT NULL,
	"metadata_cid" text NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"root" text NOT NULL,
	"created_block" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "datasets_registry_id_pk" PRIMARY KEY("registry","id")
);
--> statement-breakpoint
CREATE TABLE "feed_rounds" (
	"registry" text NOT NULL,
	"feed_id" bigint NOT NULL,
	"round" bigint NOT NULL,
	"request_id" text NOT NULL,
	"poker" text NOT NULL,
	"tip" numeric(78, 0) NOT NULL,
	"tx_hash" text NOT NULL,
	"block_number" bigint NOT NULL,
	"timestamp" bigint NOT NULL,
	CONSTRAINT "feed_rounds_registry_feed_id_round_pk" PRIMARY KEY("registry","feed_id","round")
);
--> statement-breakpoint
CREATE TABLE "feeds" (
	"registry" text NOT NULL,
	"id" bigint NOT NULL,
	"owner" text NOT NULL,
	"spec_hash" text NOT NULL,
	"spec_cid" text NOT NULL,
	"quorum" integer NOT NULL,
	"interval" bigint NOT NULL,
	"first_round" bigint NOT NULL,
	"end" bigint NOT NULL,
	"fee_per_round" numeric(78, 0) NOT NULL,
	"escrow" numeric(78, 0) NOT NULL,
	"paused" boolean NOT NULL,
	"cancelled" boolean NOT NULL,
	"rounds" integer NOT NULL,
	"state_block" bigint NOT NULL,
	"created_block" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feeds_registry_id_pk" PRIMARY KEY("registry","id")
);
--> statement-breakpoint
CREATE INDEX "feed_rounds_request_idx" ON "feed_rounds" USING btree ("request_id");