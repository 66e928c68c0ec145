/**
 * Medusa config used by the integration tests (medusaIntegrationTestRunner loads it from the
 * repo root) and by `npm run demo` (`medusa start` with cwd = repo root).
 * Not part of the published plugin (tsconfig.json only compiles src/**).
 *
 * Env:
 *   DATABASE_URL                        Postgres URL (the test runner overrides it)
 *   PO_API_KEY / PO_X_API_KEY / PO_MERCHANT_ID   default to the bundled sandbox's credentials
 *   PO_BASE_URL                         gateway base URL (e.g. the sandbox's url)
 *   PO_TIMEOUT_MS, PO_BACKEND_URL, PORT
 *   PO_DISABLE=1                        boot without the PaymentOptions provider
 *   PO_AUTO_REFUND_ON_RETURN=1          provider option autoRefundOnReturn (refund received returns by themselves)
 *   PO_REFUND_SETTLE_MS                 provider option refundSettleTimeoutMs (how long an unknown refund outcome is polled)
 *   PO_LIFECYCLE_PROVIDERS=1 / PO_INTEGRITY_PROVIDERS=1   more registrations of the provider for those specs
 */
import { defineConfig, loadEnv } from "@medusajs/framework/utils"
import { DEFAULT_SANDBOX_CREDENTIALS } from "./sandbox"

loadEnv(process.env.NODE_ENV || "development", process.cwd())

const port = process.env.PORT || 9000
const localCors = "http://localhost:8000,http://localhost:9000,http://localhost:5173"

const paymentOptionsProvider = {
  resolve: "./src/providers/paymentoptions",
  id: "paymentoptions",
  options: {
    apiKey: process.env.PO_API_KEY || DEFAULT_SANDBOX_CREDENTIALS.apiKey,
    xApiKey: process.env.PO_X_API_KEY || DEFAULT_SANDBOX_CREDENTIALS.xApiKey,
    merchantId: process.env.PO_MERCHANT_ID || DEFAULT_SANDBOX_CREDENTIALS.merchantId,
    environment: "sandbox",
    baseUrl: process.env.PO_BASE_URL,
    timeoutMs: Number(process.env.PO_TIMEOUT_MS || 5000),
    backendUrl: process.env.PO_BACKEND_URL || `http://localhost:${port}`,
    // Refund received returns by themselves (the plugin's subscriber); the returns spec turns it on.
    autoRefundOnReturn: process.env.PO_AUTO_REFUND_ON_RETURN === "1",
    // Settling after an unknown refund outcome is polled this long (default 10 s); PO_REFUND_SETTLE_MS shortens it in tests.
    ...(process.env.PO_REFUND_SETTLE_MS ? { refundSettleTimeoutMs: Number(process.env.PO_REFUND_SETTLE_MS), refundSettleIntervalMs: 100 } : {}),
  },
}

// More registrations of the same provider for the lifecycle tests (PO_LIFECYCLE_PROVIDERS=1): card data with
// manual capture, card data with automatic capture, and a hosted page whose webhooks need the shared secret.
const backend = process.env.PO_BACKEND_URL || `http://localhost:${port}`
const variant = (id: string, options: Record<string, unknown>) => ({
  ...paymentOptionsProvider,
  id,
  options: { ...paymentOptionsProvider.options, webhookUrl: `${backend}/hooks/payment/paymentoptions_${id}`, ...options },
})
const lifecycleProviders =
  process.env.PO_LIFECYCLE_PROVIDERS === "1"
    ? [
        variant("poserver", { checkoutMode: "server", captureMode: "manual", allowRawCardData: true }),
        variant("poauto", { checkoutMode: "server", captureMode: "automatic", allowRawCardData: true }),
        variant("posecret", {
          webhookSecret: "lifecycle-test-webhook-secret-0123456789",
          webhookUrl: `${backend}/hooks/paymentoptions/paymentoptions_posecret/lifecycle-test-webhook-secret-0123456789`,
        }),
      ]
    : []

// Registrations for the checkout-integrity spec (PO_INTEGRITY_PROVIDERS=1): a hosted page under another id and without
// webhookUrl (its webhook URL must name its own id) that refunds orphaned payments by itself.
const integrityProviders =
  process.env.PO_INTEGRITY_PROVIDERS === "1"
    ? [{ ...paymentOptionsProvider, id: "poorphan", options: { ...paymentOptionsProvider.options, refundOrphanedPayments: true } }]
    : []

// ---- Production topology (only when REDIS_URL is set; without it every module stays in-memory, as before) ----
// Redis event bus, Redis locking provider and Redis workflow engine, shared by every process on the same
// PostgreSQL; MEDUSA_WORKER_MODE picks the process's role: "server" (HTTP only), "worker" (subscribers,
// scheduled jobs, workflow retries/timeouts; no routes) or "shared" (both). Option shapes as read in 2.21.2's
// node_modules/@medusajs/{event-bus-redis,locking-redis,workflow-engine-redis}/dist/loaders (and locking/dist/loaders/providers.js).
// integration-tests/topology/harness.ts runs processes with this block.
const redisUrl = process.env.REDIS_URL
const redisProjectConfig = redisUrl
  ? { redisUrl, workerMode: (process.env.MEDUSA_WORKER_MODE || "shared") as "shared" | "worker" | "server" }
  : {}
const redisModules = redisUrl
  ? [
      { resolve: "@medusajs/medusa/event-bus-redis", options: { redisUrl } },
      {
        resolve: "@medusajs/medusa/locking",
        options: {
          providers: [{ resolve: "@medusajs/medusa/locking-redis", id: "locking-redis", is_default: true, options: { redisUrl } }],
        },
      },
      { resolve: "@medusajs/medusa/workflow-engine-redis", options: { redis: { redisUrl } } },
    ]
  : []
// ---- end of the Redis block ----

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    ...redisProjectConfig,
    http: {
      storeCors: process.env.STORE_CORS || localCors,
      adminCors: process.env.ADMIN_CORS || localCors,
      authCors: process.env.AUTH_CORS || localCors,
      jwtSecret: process.env.JWT_SECRET || "supersecret",
      cookieSecret: process.env.COOKIE_SECRET || "supersecret",
    },
  },
  // The admin dashboard only for `npm run demo -- --serve` (PO_ADMIN=1); tests and the plain demo need no admin.
  admin: { disable: process.env.PO_ADMIN !== "1" },
  modules: [
    ...redisModules,
    // The plugin's own module (operation log, saved cards, webhook transactions, orphans, return-refund claims).
    // A store gets it from the `plugins` entry; this repository is the app, so it is listed here.
    { resolve: "./src/modules/paymentoptions" },
    {
      resolve: "@medusajs/medusa/payment",
      options: {
        providers: process.env.PO_DISABLE === "1" ? [] : [paymentOptionsProvider, ...lifecycleProviders, ...integrityProviders],
        // Meant to shorten Medusa's wait before it processes a webhook, but Medusa 2.21's webhook route reads
        // `.options` of the payment module's service, which it does not expose: every webhook waits 5000 ms.
        webhook_delay: Number(process.env.PO_WEBHOOK_DELAY_MS || 5000),
      },
    },
  ],
})
