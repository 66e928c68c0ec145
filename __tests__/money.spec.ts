import { BigNumber } from "@medusajs/framework/utils"
import { currencyDecimals, normalizeAmount, toGatewayAmount } from "../src/providers/paymentoptions/money"

describe("currency decimals come from Medusa's table", () => {
  it.each([
    ["jpy", 0],
    ["JPY", 0],
    ["usd", 2],
    ["kwd", 3],
    ["krw", 0],
  ])("%s has %i decimals", (code, decimals) => {
    expect(currencyDecimals(code)).toBe(decimals)
  })

  it("refuses an unknown currency", () => {
    expect(() => currencyDecimals("xyz")).toThrow('unknown currency "xyz"')
    expect(() => toGatewayAmount(10, "")).toThrow("unknown currency")
  })
})

describe("toGatewayAmount: major units with the currency's decimals", () => {
  it("takes Medusa's raw BigNumber object as the refund path passes it", () => {
    expect(toGatewayAmount({ value: "30", precision: 20 }, "usd")).toBe("30.00")
    expect(toGatewayAmount({ value: "1200", precision: 20 }, "jpy")).toBe("1200")
    expect(toGatewayAmount({ value: "1.2345", precision: 20 }, "kwd")).toBe("1.235")
  })

  it("takes numbers, strings and BigNumber instances", () => {
    expect(toGatewayAmount(12.34, "usd")).toBe("12.34")
    expect(toGatewayAmount("1000", "jpy")).toBe("1000")
    expect(toGatewayAmount(new BigNumber(5.5), "usd")).toBe("5.50")
  })

  it("rounds half up to the currency's decimals (tax-inclusive totals have more)", () => {
    expect(toGatewayAmount("87.957975", "usd")).toBe("87.96")
    expect(toGatewayAmount("87.955", "usd")).toBe("87.96")
    expect(toGatewayAmount("87.954999", "usd")).toBe("87.95")
    expect(toGatewayAmount("999.5", "jpy")).toBe("1000")
    expect(toGatewayAmount("999.49", "jpy")).toBe("999")
    expect(toGatewayAmount("0.0004", "kwd")).toBe("0.000")
  })

  it("stays exact where floating point would drift", () => {
    // 0.1 + 0.2 in binary floating point is 0.30000000000000004
    expect(toGatewayAmount({ value: "0.30000000000000004441", precision: 20 }, "usd")).toBe("0.30")
    expect(toGatewayAmount("12345678.905", "usd")).toBe("12345678.91")
    expect(toGatewayAmount("9007199254740993", "jpy")).toBe("9007199254740993")
  })

  it("refuses what is not a number", () => {
    expect(() => toGatewayAmount("ten", "usd")).toThrow("is not a number")
    expect(() => toGatewayAmount({ value: "abc" }, "usd")).toThrow("is not a number")
    expect(() => toGatewayAmount(undefined as any, "usd")).toThrow("amount is missing")
  })
})

describe("normalizeAmount reads gateway amounts", () => {
  it("normalises numbers and strings to the currency's decimals", () => {
    expect(normalizeAmount(1000, "jpy")).toBe("1000")
    expect(normalizeAmount("12.3", "usd")).toBe("12.30")
    expect(normalizeAmount(0.1 + 0.2, "usd")).toBe("0.30")
  })
})
