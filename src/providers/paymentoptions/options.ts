import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"

/** The plugin's webhook route that checks the shared secret in its path (see src/api/hooks/paymentoptions). */
export const WEBHOOK_TOKEN_ROUTE = "/hooks/paymentoptions"

export const GATEWAY_HOSTS = {
  sandbox: "https://api-dev.paymentoptions.com",
  live: "https://api.paymentoptions.com",
} as const

const url = z.url({ protocol: /^https?$/ }).trim()

const positiveInt = z.coerce.number().int().positive()

// Booleans often come from env strings; z.coerce.boolean() would read "false" as true.
const flag = z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")])

export const optionsSchema = z.object({
  /** Sent verbatim as `Authorization: Basic <apiKey>`: paste the portal's encoded key. */
  apiKey: z.string().trim().min(1),
  /** Sent as `x-api-key`. */
  xApiKey: z.string().trim().min(1),
  /** DASMID; the refund/capture/void endpoints cap it at 10 characters (API.md §3). */
  merchantId: z.string().trim().min(1).max(10),
  environment: z.enum(["sandbox", "live"]).default("sandbox"),
  /** Overrides the host chosen by `environment` (e.g. the bundled sandbox). */
  baseUrl: url.optional(),
  /** API.md §1.3: the docs disagree on a doubled `/api/v1`; kept configurable. */
  apiPathPrefix: z
    .string()
    .regex(/^\/[A-Za-z0-9/_-]*$/, "must start with / and hold only path characters")
    .default("/api/v1/server-to-server-interface"),
  timeoutMs: positiveInt.default(30_000),
  /** How long a refund with an unknown outcome is polled on Transaction Status before it is recorded as pending. */
  refundSettleTimeoutMs: z.coerce.number().int().min(0).default(10_000),
  refundSettleIntervalMs: positiveInt.default(1_000),
  /** IANA zone sent as `time_zone`. */
  timeZone: z.string().trim().min(1).default("Asia/Tokyo"),
  /** Public URL of the Medusa backend; the gateway's webhook goes to `<backendUrl>/hooks/payment/paymentoptions_paymentoptions`. */
  backendUrl: url.default("http://localhost:9000"),
  /** Overrides the webhook URL built from `backendUrl` (e.g. a provider registered with another id). */
  webhookUrl: url.optional(),
  /** Where the hosted page sends the shopper back. */
  successUrl: url.default("http://localhost:8000/checkout?paymentoptions=success"),
  declineUrl: url.default("http://localhost:8000/checkout?paymentoptions=decline"),
  cancelUrl: url.default("http://localhost:8000/checkout?paymentoptions=cancel"),
  merchantEmail: z.email().max(45).optional(),
  /**
   * "hosted": the shopper pays on PaymentOptions' hosted page (no card data near the store: lowest PCI scope).
   * "server": server-to-server payments with a saved card token, or raw card data when allowRawCardData is on.
   */
  checkoutMode: z.enum(["hosted", "server"]).default("hosted"),
  /** "automatic": a sale, captured at authorization. "manual": PRE_AUTH now, captured later from the admin. */
  captureMode: z.enum(["automatic", "manual"]).default("automatic"),
  /** Accept raw card data on the plugin's store route (checkoutMode "server" only; PCI DSS SAQ D scope). */
  allowRawCardData: flag.default(false),
  /** Optional shared secret: webhooks are then only accepted through a URL that carries it. */
  webhookSecret: z.string().trim().min(24).max(128).regex(/^[A-Za-z0-9_-]+$/, "must be URL-safe (letters, digits, _ and -)").optional(),
  /**
   * Refund a received return by itself (the plugin's subscriber on `order.return_received`, through Medusa's
   * refundPaymentWorkflow, once per return). Off by default: a store opts in.
   */
  autoRefundOnReturn: flag.default(false),
})

export type PaymentOptionsOptions = z.input<typeof optionsSchema>
export type ResolvedOptions = z.output<typeof optionsSchema> & { gatewayUrl: string; hookUrl: string }

/**
 * Parses the provider options. The message names each bad option and why, never its value:
 * options hold secrets.
 */
export function resolveOptions(raw: unknown): ResolvedOptions {
  const parsed = optionsSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `"${issue.path.join(".") || "options"}" ${describeIssue(issue)}`)
      .join("; ")
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `PaymentOptions provider options are invalid: ${problems}. See the README's configuration table.`
    )
  }
  const options = parsed.data
  const conflicts = [
    options.checkoutMode === "hosted" && options.captureMode === "manual"
      ? '"captureMode" "manual" needs "checkoutMode" "server": the hosted payment page always captures'
      : null,
    options.allowRawCardData && options.checkoutMode !== "server" ? '"allowRawCardData" needs "checkoutMode" "server"' : null,
  ].filter(Boolean)
  if (conflicts.length) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `PaymentOptions provider options are invalid: ${conflicts.join("; ")}.`)
  }
  const gatewayUrl = (options.baseUrl ?? GATEWAY_HOSTS[options.environment]).replace(/\/+$/, "")
  const backend = options.backendUrl.replace(/\/+$/, "")
  const hookUrl =
    options.webhookUrl ??
    (options.webhookSecret
      ? `${backend}${WEBHOOK_TOKEN_ROUTE}/paymentoptions_paymentoptions/${options.webhookSecret}`
      : `${backend}/hooks/payment/paymentoptions_paymentoptions`)
  return { ...options, gatewayUrl, hookUrl }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? "is required" : `must be a ${issue.expected}`
    case "too_small":
      return issue.origin === "string" ? "must not be empty" : `must be at least ${issue.minimum}`
    case "too_big":
      return issue.origin === "string" ? `must be at most ${issue.maximum} characters` : `must be at most ${issue.maximum}`
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`
    case "invalid_format":
      return issue.format === "url" ? "must be a URL" : issue.format === "regex" ? issue.message : `must be a valid ${issue.format}`
    default:
      return issue.message.toLowerCase()
  }
}
