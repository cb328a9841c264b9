/** Sent on every /v2/ response (distribution spec: clients use it to recognise a registry). */
export const API_VERSION_HEADER = { "Docker-Distribution-API-Version": "registry/2.0" } as const;
