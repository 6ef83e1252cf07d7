/** The operations `bench/cpu.mjs` times. Gateway verifiers are added here as they land. */
import { decidePaymentTransition } from "../src/core/status";
import { foldObservation, newOrder } from "../src/core/order";
import { fromMajor } from "../src/core/money";
import { signRedirectParams } from "../src/core/signing";

export interface CpuCase {
  readonly name: string;
  readonly iterations?: number;
  run(): unknown;
}

export function cases(): CpuCase[] {
  const order = { ...newOrder("juspay", "o1", 0), amount: 10000, currency: "INR" as const, amount_verified: true };
  return [
    {
      name: "transition decision",
      iterations: 200_000,
      run: () => decidePaymentTransition("pending", "succeeded", true),
    },
    {
      name: "order fold (confirmed success)",
      iterations: 50_000,
      run: () =>
        foldObservation(
          order,
          {
            source: "poll",
            confirmed: true,
            gatewayStatus: "CHARGED",
            status: "succeeded",
            amount: { minor: 10000, currency: "INR" },
          },
          1,
        ),
    },
    { name: "amount parse (Juspay rupee string)", iterations: 200_000, run: () => fromMajor("1234.50", "INR") },
    {
      name: "sign return redirect (HMAC-SHA256)",
      run: () =>
        signRedirectParams(
          ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
          [
            ["gateway", "juspay"],
            ["order_id", "o1"],
            ["status", "succeeded"],
            ["amount", "100"],
            ["currency", "INR"],
            ["ts", "1"],
          ],
        ),
    },
  ];
}
