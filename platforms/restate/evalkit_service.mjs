// Engine-side code for Restate: the workflows evalkit starts through Restate's HTTP ingress.
//
// - evalkit/sleep {seconds, seq, fail_every}: a one-step workflow that sleeps `seconds` in one
//   journaled step; a negative time is a terminal error (the invocation fails, not retried), and
//   fail_every=N makes every N-th sequence number sleep a negative time.
// - evalkit/order {scale}: the default study's 7-step order process
//   (scenarios/order-fulfillment.yaml) as Restate expresses it: one journaled step per activity,
//   fraud screening and stock reservation concurrently, each sleeping the step's mean service
//   time times `scale`.
//
// Restate itself caps no concurrency, so the steps share EVALKIT_RESTATE_SLOTS slots (default 8):
// the "task slots" the study's design parameters name. Listens on 127.0.0.1:EVALKIT_RESTATE_SERVICE_PORT.
import * as http2 from "node:http2";
import * as restate from "@restatedev/restate-sdk";

const SLOTS = Number(process.env.EVALKIT_RESTATE_SLOTS ?? "8");
const PORT = Number(process.env.EVALKIT_RESTATE_SERVICE_PORT ?? "9080");
const ORDER_STEPS = {
  "receive-order": 0.04,
  "screen-fraud": 0.12,
  "reserve-stock": 0.06,
  "charge-payment": 0.25,
  "pick-and-pack": 0.2,
  "book-carrier": 0.15,
  "notify-customer": 0.03,
};

let busy = 0;
const waiting = [];

async function inSlot(work) {
  if (busy >= SLOTS) await new Promise((resolve) => waiting.push(resolve));
  else busy += 1;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else busy -= 1;
  }
}

function step(ctx, name, seconds) {
  return ctx.run(name, () => {
    if (seconds < 0) throw new restate.TerminalError("sleep length must be non-negative");
    return inSlot(() => new Promise((resolve) => setTimeout(() => resolve(name), seconds * 1000)));
  });
}

const evalkit = restate.service({
  name: "evalkit",
  handlers: {
    sleep: async (ctx, input) => {
      let seconds = Number(input?.seconds ?? 0.1);
      const failEvery = Number(input?.fail_every ?? 0);
      if (failEvery && Number(input?.seq ?? 0) % failEvery === 0) seconds = -Math.abs(seconds) || -1;
      return step(ctx, "sleep", seconds);
    },
    order: async (ctx, input) => {
      const scale = Number(input?.scale ?? 1);
      const time = (name) => ORDER_STEPS[name] * scale;
      await step(ctx, "receive-order", time("receive-order"));
      await restate.RestatePromise.all([step(ctx, "screen-fraud", time("screen-fraud")), step(ctx, "reserve-stock", time("reserve-stock"))]);
      for (const name of ["charge-payment", "pick-and-pack", "book-carrier", "notify-customer"]) {
        await step(ctx, name, time(name));
      }
      return "notify-customer";
    },
  },
});

// loopback only (the SDK's own listen() binds every interface)
http2.createServer(restate.createEndpointHandler({ services: [evalkit] })).listen(PORT, "127.0.0.1");
