/**
 * Settings the Worker runs with in tests: made-up credentials (never real ones) and base URLs that the simulator
 * answers (every outbound fetch is routed to it). Imported by vitest.config.ts and by tests that sign fixtures.
 */
export const TEST_BINDINGS = {
  PUBLIC_BASE_URL: "https://checkpost.test",
  MERCHANT_RETURN_URL: "https://merchant.test/payment/return",
  MERCHANT_WEBHOOK_URL: "http://sim.test/merchant/webhooks",
  PROXY_API_KEYS: "test-key-primary,test-key-secondary",
  MERCHANT_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_c2Vjb25kLWtleS1mb3Itcm90YXRpb24=",
  // Only checkpost holds it: keys its own tokens (return `t`, status page link). A second key, as during rotation.
  CHECKPOST_SECRET: "NtzMkhmA3qRpQiYeUPuVUeerhV+5lgA1f1dzxAVcxbM= ANTTpyUECOCUayk6KWa9evhYmZNAfoDeo2hawiHqcdM=",
  LOG_LEVEL: "info",

  JUSPAY_BASE_URL: "http://sim.test/juspay",
  JUSPAY_MERCHANT_ID: "checkpost_test",
  JUSPAY_API_VERSION: "2024-06-24",
  JUSPAY_PAYMENT_PAGE_CLIENT_ID: "hdfcmaster",
  JUSPAY_API_KEY: "test_juspay_api_key_0001",
  JUSPAY_RESPONSE_KEY: "92206A0A4A75499C9B11206C2B3B9A53",
  JUSPAY_WEBHOOK_USERNAME: "juspayhook",
  JUSPAY_WEBHOOK_PASSWORD: "juspay-hook-pass-1",
  JUSPAY_SDK_KEY_ID: "test-key-uuid",

  PHONEPE_BASE_URL: "http://sim.test/phonepe",
  PHONEPE_AUTH_URL: "http://sim.test/phonepe",
  PHONEPE_CLIENT_ID: "TEST_CLIENT_ID",
  PHONEPE_CLIENT_SECRET: "test-phonepe-client-secret",
  PHONEPE_CLIENT_VERSION: "1",
  PHONEPE_WEBHOOK_USERNAME: "phonepe_hook",
  PHONEPE_WEBHOOK_PASSWORD: "phonepe123pass",

  NIMBBL_BASE_URL: "http://sim.test/nimbbl/api",
  NIMBBL_ACCESS_KEY: "access_key_test0001",
  NIMBBL_ACCESS_SECRET: "access_secret_ArL0OKDKBGx5A0zP",
} as const;
