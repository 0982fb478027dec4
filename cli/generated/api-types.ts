// Generated from schemas/openapi.json by scripts/openapi.ts (npm run openapi:generate); do not edit.
export interface paths {
    "/v1/requests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List requests (newest first, cursor-paginated) */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                    status?: "requested" | "assigned" | "aggregating" | "fulfilled" | "expired" | "failed";
                    consumer?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description a page of requests */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RequestList"];
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create an oracle request
         * @description Validates the spec (structure, result JSON Schema, extraction rule), pins its canonical JSON to IPFS and sends `OracleHub.request` with the node key, or returns the unsigned transaction when the node has no key or `?unsigned=true`. Send it with a gas margin (about 20 % over the estimate): its gas depends on the committee the next block draws. Limits: body 65536 bytes, `spec.url` 2048 characters, nesting 32 levels; strings must be well-formed Unicode without NUL.
         */
        post: {
            parameters: {
                query?: {
                    /** @description return the unsigned transaction even when the node has a key */
                    unsigned?: "0" | "1" | "true" | "false";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateRequest"];
                };
            };
            responses: {
                /** @description the unsigned transaction to send */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CreateRequestResult"];
                    };
                };
                /** @description request sent; its id and links */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CreateRequestResult"];
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description missing or invalid API key */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description the body is not sent as application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/requests/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A request with its stage timeline */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the request */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RequestDetail"];
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/requests/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The request timeline as Server-Sent Events
         * @description Each timeline event is sent with its id; reconnect with `Last-Event-ID` (or `?lastEventId=`) to resume. A final `end` event carries the request status once it is fulfilled, expired or failed.
         */
        get: {
            parameters: {
                query?: {
                    lastEventId?: number | null;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description event stream: `hello` (data: SseHello), then `stage` per timeline event (data: RequestEvent, with its `id`), then `end` once the request is final (data: RequestSummary) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/requests/{id}/records.jsonl": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The request’s records with Merkle proofs, one ProvedRecord per line (streamed)
         * @description 404 until the request is fulfilled (never an empty 200 a dataset tool would cache).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description JSON Lines */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/jsonl": string;
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/requests/{id}/croissant.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * MLCommons Croissant 1.1 metadata of the request’s dataset, with provenance
         * @description 404 until the request is fulfilled. Its `contentUrl`s are under `VERITAS_PUBLIC_URL`.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Croissant JSON-LD */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/ld+json": components["schemas"]["Croissant"];
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/requests/{id}/rows.jsonl": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The request’s records as flat training rows (value columns beside provenance columns), one per line
         * @description 404 until the request is fulfilled. Immutable once it is: `ETag`, long cache.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description JSON Lines */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/jsonl": string;
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/records/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A dataset record with its Merkle proof against the on-chain root */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description record id (as listed by the request) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the proved record */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProvedRecord"];
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/bundles/{cid}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A provenance bundle, spec or report from IPFS (bytes as pinned) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    cid: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the JSON document */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProvenanceBundle"];
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/operators": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Registered operators and their records */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description operators */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OperatorList"];
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/operators/{address}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One operator and its recent responses as prover or notary */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    address: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the operator */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OperatorDetail"];
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/documents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pin a feed spec template or a dataset metadata document (its CID is what goes on-chain) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PinDocument"];
                };
            };
            responses: {
                /** @description pinned: its CID and keccak256 hash */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PinnedDocument"];
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Datasets of the DatasetRegistry */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description every dataset */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["DatasetSummary"][];
                        };
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A dataset, its metadata and its versions (one per appended round) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the dataset */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DatasetDetail"];
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{id}/versions/{v}/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A file of a version’s snapshot (immutable: ETag, long cache; a version not yet on-chain is 404) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    v: string;
                    file: "croissant.json" | "README.md" | "records.parquet" | "records.jsonl" | "proofs.jsonl" | "snapshot.car";
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the file */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": string;
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{id}/versions/{v}/data/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The data files at the paths the snapshot’s Croissant document names them by */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    v: string;
                    file: "records.parquet" | "records.jsonl";
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the file */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": string;
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/submissions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A submission: what this API sent for a POST /v1/requests, and the request it became
         * @description `submitting` until the transaction is confirmed; if the API lost the receipt, the request the indexer saw for the same consumer and spec hash is linked on read.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the submission */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Submission"];
                    };
                };
                /** @description malformed input; `field` names it */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description rate limit exceeded */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description internal error (a bug: `code` INTERNAL) */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description a dependency (database, IPFS, chain) is briefly unavailable; retry */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description any JSON value */
        JsonValue: string | number | boolean | null | unknown[] | {
            [key: string]: components["schemas"]["JsonValue"];
        };
        /** @description SSE `hello`: the stream is open (`stage` events carry a RequestEvent, `end` a RequestSummary) */
        SseHello: {
            requestId: string;
            after: number;
        };
        CreateRequestResult: {
            /** @description null when the transaction is returned unsigned (the id depends on the sender and nonce) */
            requestId: string | null;
            /** @description the API's record of what it sent (null for an unsigned transaction) */
            submissionId: string | null;
            specHash: string;
            specCid: string;
            txHash: string | null;
            transaction: components["schemas"]["UnsignedTransaction"];
            links: components["schemas"]["Links"];
        };
        UnsignedTransaction: {
            to: string;
            data: string;
            value: string;
            chainId: number;
        } | null;
        Links: {
            [key: string]: string;
        };
        Error: {
            /** @example INPUT_INVALID */
            code: string;
            /** @example spec: url: must be an https:// URL (MPC-TLS proves TLS sessions) */
            message: string;
            /** @example spec.url */
            field?: string;
        };
        CreateRequest: {
            spec: {
                /**
                 * @default 1
                 * @enum {number}
                 */
                version: 1;
                name?: string;
                description?: string;
                /** Format: uri */
                url: string;
                /**
                 * @default GET
                 * @enum {string}
                 */
                method: "GET" | "POST";
                /** @default [] */
                headers: ({
                    name: string;
                    value: string;
                } | {
                    name: string;
                    /** @enum {boolean} */
                    secret: true;
                    ref: string;
                    /** @default 64 */
                    maxLength: number;
                })[];
                body?: string;
                extract: {
                    jsonPath: string;
                } | {
                    regex: string;
                    /** @default 1 */
                    group: number | string;
                    /** @default  */
                    flags: string;
                };
                /** @default {} */
                resultSchema: {
                    [key: string]: unknown;
                };
                /**
                 * @default {
                 *       "type": "json"
                 *     }
                 */
                value: {
                    /**
                     * @default json
                     * @enum {string}
                     */
                    type: "number" | "string" | "timestamp" | "json";
                    precision?: number;
                };
                /**
                 * @default {
                 *       "policy": "exact"
                 *     }
                 */
                aggregation: {
                    /** @enum {string} */
                    policy: "median";
                    /** @default 3 */
                    madK: number;
                    /** @default 0.01 */
                    band: number;
                } | {
                    /** @enum {string} */
                    policy: "mode";
                    minAgreement: number;
                } | {
                    /** @enum {string} */
                    policy: "exact";
                };
                /**
                 * @default single
                 * @enum {string}
                 */
                records: "single" | "array";
                /** @default 4096 */
                maxResponseBytes: number;
                quorum: number;
                deadline: number;
            };
            fee?: string;
        };
        RequestList: {
            items: components["schemas"]["RequestSummary"][];
            nextCursor: string | null;
        };
        RequestSummary: {
            id: string;
            /** @enum {string} */
            status: "requested" | "assigned" | "aggregating" | "fulfilled" | "expired" | "failed";
            consumer: string;
            url: string | null;
            specHash: string;
            specCid: string;
            quorum: number;
            deadline: number;
            fee: string;
            txHash: string | null;
            blockNumber: number | null;
            merkleRoot: string | null;
            reportCid: string | null;
            createdAt: string;
            fulfilledAt: string | null;
            links: components["schemas"]["Links"];
        };
        RequestDetail: components["schemas"]["RequestSummary"] & {
            spec: {
                [key: string]: unknown;
            } | null;
            timeline: components["schemas"]["TimelineStage"][];
            operators: components["schemas"]["OperatorWork"][];
            events: components["schemas"]["RequestEvent"][];
            report: {
                reportCid: string;
                merkleRoot: string;
                recordCount: number;
                fulfillTxHash: string | null;
                policyOutcome?: unknown;
            } | null;
            records: {
                id: string;
                index: number;
                href: string;
            }[];
        };
        TimelineStage: {
            /** @example assigned */
            stage: string;
            /** @enum {string} */
            status: "done" | "pending" | "failed";
            at: string | null;
            detail: {
                [key: string]: unknown;
            };
        };
        OperatorWork: {
            position: number;
            prover: string;
            notary: string;
            state: string;
            response: {
                resultHash: string;
                bundleCid: string;
                txHash: string | null;
                verification: string;
                invalidCode: string | null;
                invalidMessage: string | null;
            } | null;
        };
        RequestEvent: {
            id: number;
            at: string;
            source: string;
            stage: string;
            detail: {
                [key: string]: unknown;
            } | null;
        };
        /** @description MLCommons Croissant 1.1 JSON-LD: the dataset, its files (`distribution`, each with sha256) and record sets; provenance as W3C PROV-O (`prov:wasDerivedFrom`, `prov:wasGeneratedBy`) */
        Croissant: {
            "@context": {
                [key: string]: unknown;
            };
            /** @example sc:Dataset */
            "@type": string;
            name: string;
            description?: string;
            conformsTo?: string;
            version?: string;
            license?: string | string[];
            url?: string;
            isLiveDataset?: boolean;
            distribution?: ({
                "@type": string;
                "@id"?: string;
                name?: string;
            } & {
                [key: string]: unknown;
            })[];
            recordSet?: ({
                "@type": string;
                "@id"?: string;
                name?: string;
            } & {
                [key: string]: unknown;
            })[];
        } & {
            [key: string]: unknown;
        };
        /** @description A DatasetRecord with its Merkle proof (schemas/json/proved-record.schema.json) */
        ProvedRecord: {
            record: {
                /** @constant */
                version: 1;
                chainId: number;
                /** @description EVM address (normalised to lowercase) */
                hub: string;
                /** @description 32 bytes, 0x-prefixed lowercase hex */
                requestId: string;
                index: number;
                value: components["schemas"]["JsonValue"];
                /** Format: uri */
                url: string;
                specCid: string;
                extract: {
                    /** Format: starts_with */
                    jsonPath: string;
                } | {
                    regex: string;
                    /** @default 1 */
                    group: number | string;
                    /** @default  */
                    flags: string;
                };
                policy: {
                    /** @constant */
                    policy: "median";
                    /** @default 3 */
                    madK: number;
                    /** @default 0.01 */
                    band: number;
                } | {
                    /** @constant */
                    policy: "mode";
                    minAgreement: number;
                } | {
                    /** @constant */
                    policy: "exact";
                };
                /** @enum {string} */
                trust: "webpki" | "devnet";
                sources: {
                    /** @description EVM address (normalised to lowercase) */
                    prover: string;
                    /** @description EVM address (normalised to lowercase) */
                    notary: string;
                    bundleCid: string;
                    serverName: string;
                    tlsTime: number;
                    /** @description 32 bytes, 0x-prefixed lowercase hex */
                    resultHash: string;
                    value: components["schemas"]["JsonValue"];
                }[];
            };
            /** @description 32 bytes, 0x-prefixed lowercase hex */
            recordHash: string;
            /** @description 32 bytes, 0x-prefixed lowercase hex */
            merkleRoot: string;
            proof: string[];
        };
        /** @description The provenance bundle exactly as pinned (schemas/json/provenance-bundle.schema.json) */
        ProvenanceBundle: {
            /** @constant */
            version: 2;
            chainId: number;
            /** @description EVM address (normalised to lowercase) */
            hub: string;
            /** @description 32 bytes, 0x-prefixed lowercase hex */
            requestId: string;
            specCid: string;
            /** @description 32 bytes, 0x-prefixed lowercase hex */
            specHash: string;
            /** @description EVM address (normalised to lowercase) */
            prover: string;
            /** @description EVM address (normalised to lowercase) */
            notary: string;
            serverName: string;
            tlsTime: number;
            transcript: {
                sent: string;
                recv: string;
                sentRanges: {
                    start: number;
                    end: number;
                }[];
                recvRanges: {
                    start: number;
                    end: number;
                }[];
            };
            value: components["schemas"]["JsonValue"];
            attestation: {
                /** @description 32 bytes, 0x-prefixed lowercase hex */
                requestId: string;
                /** @description 32 bytes, 0x-prefixed lowercase hex */
                specHash: string;
                /** @description EVM address (normalised to lowercase) */
                prover: string;
                /** @description EVM address (normalised to lowercase) */
                notary: string;
                trust: number;
                /** @description 32 bytes, 0x-prefixed lowercase hex */
                serverNameHash: string;
                tlsTime: number;
                /** @description 32 bytes, 0x-prefixed lowercase hex */
                sentHash: string;
                /** @description 32 bytes, 0x-prefixed lowercase hex */
                recvHash: string;
                /** @description 32 bytes, 0x-prefixed lowercase hex */
                resultHash: string;
                numericValue: string;
            };
            notarySignature: string;
            /** @enum {string} */
            trust: "webpki" | "devnet";
            software: {
                veritas: string;
                tlsn: string;
            };
            /** @default {} */
            timings: {
                [key: string]: number;
            };
            proverSignature: string;
        };
        OperatorList: {
            items: components["schemas"]["Operator"][];
        };
        Operator: {
            address: string;
            status: string;
            bond: string;
            notaryUrl: string | null;
            metadataUri: string | null;
            answered: number;
            agreed: number;
            invalid: number;
            slashed: number;
            links: components["schemas"]["Links"];
        };
        OperatorDetail: components["schemas"]["Operator"] & {
            responses: {
                requestId: string;
                /** @enum {string} */
                role: "prover" | "notary";
                prover: string;
                notary: string;
                bundleCid: string;
                verification: string;
                invalidCode: string | null;
            }[];
        };
        PinnedDocument: {
            cid: string;
            hash: string;
        };
        PinDocument: {
            /** @enum {string} */
            kind: "feed-template" | "dataset-metadata";
            document: {
                [key: string]: unknown;
            };
        };
        DatasetSummary: {
            id: string;
            owner: string;
            version: number;
            root: string;
            metadataCid: string;
            links: {
                [key: string]: string;
            };
        };
        DatasetDetail: components["schemas"]["DatasetSummary"] & {
            metadata: {
                [key: string]: unknown;
            } | null;
            versions: {
                version: number;
                requestId: string;
                requestRoot: string;
                appendedAt: string;
                links: {
                    [key: string]: string;
                };
            }[];
        };
        Submission: {
            id: string;
            /** @enum {string} */
            status: "submitting" | "sent" | "failed";
            specHash: string;
            specCid: string;
            fee: string;
            requestId: string | null;
            txHash: string | null;
            errorCode: string | null;
            createdAt: string;
            links: {
                [key: string]: string;
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
