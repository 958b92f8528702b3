import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { parseControlBody } from './control-body';
import { ControlBadRequestError, ControlConflictError, ControlNotFoundError } from './errors';
import { faultRuleInputSchema, type FaultStore } from './faults';
import type { Notifier } from './notifier';
import type { ProviderSimulator } from './simulator';
import { statementEditInputSchema, type StatementEditStore } from './statements';
import type { StoredTrade, TradeStore } from './trades';

const accountInputSchema = z.looseObject({ provider: z.string().min(1) });

const payInputSchema = z.strictObject({
  provider: z.string().min(1),
  out_trade_no: z.string().min(1),
  outcome: z.enum(['success', 'fail']),
  /** Only needed when two accounts used the same order number. */
  account: z.string().min(1).optional(),
});

const lateRefundInputSchema = z.strictObject({
  provider: z.string().min(1),
  out_trade_no: z.string().min(1),
  out_refund_no: z.string().min(1),
  amount: z.int().min(1),
  account: z.string().min(1).optional(),
});

export interface ControlDependencies {
  simulators: ReadonlyMap<string, ProviderSimulator>;
  trades: TradeStore;
  notifier: Notifier;
  faults: FaultStore;
  statementEdits: StatementEditStore;
}

/** `/_control/…`: the sandbox's API for tests (API.md, "Sandbox"). Errors go to the sandbox's error handler. */
export function controlRoutes(deps: ControlDependencies): Router {
  const router = express.Router();
  router.use(express.json({ limit: '100kb' }));

  const simulatorFor = (provider: string): ProviderSimulator => {
    const simulator = deps.simulators.get(provider);
    if (!simulator) {
      throw new ControlBadRequestError(
        `unknown provider ${JSON.stringify(provider)}; the sandbox simulates ${[...deps.simulators.keys()].join(', ')}`,
        'provider',
      );
    }
    return simulator;
  };

  const findTrade = async (provider: string, outTradeNo: string, appId?: string): Promise<StoredTrade> => {
    const found = await deps.trades.findByOutTradeNo(provider, outTradeNo, appId);
    if (found.length === 0) {
      throw new ControlNotFoundError(
        `no ${provider} trade with out_trade_no ${JSON.stringify(outTradeNo)}` +
          (provider === 'alipay'
            ? ' (Alipay only learns of a page.pay/wap.pay trade when the shopper opens its URL)'
            : ''),
        'out_trade_no',
      );
    }
    if (found.length > 1) {
      throw new ControlConflictError(
        `several accounts have a trade ${JSON.stringify(outTradeNo)}: pass account`,
        'account',
      );
    }
    return found[0];
  };

  const tradeRecord = async (simulator: ProviderSimulator, trade: StoredTrade) => ({
    ...simulator.describeTrade(trade),
    queries: await deps.trades.queryCount(trade),
    notifications: await deps.notifier.listFor(trade.provider, trade.accountId, trade.outTradeNo),
  });

  router.post('/accounts', async (req, res) => {
    const input = parseControlBody(accountInputSchema, req.body);
    const { provider, ...options } = input;
    const account = await simulatorFor(provider).createAccount(options);
    res.status(201).json(account);
  });

  router.post('/pay', async (req, res) => {
    const input = parseControlBody(payInputSchema, req.body);
    const simulator = simulatorFor(input.provider);
    const trade = await findTrade(input.provider, input.out_trade_no, input.account);
    await simulator.pay(trade, input.outcome);
    const paid = await deps.trades.get(trade);
    res.json(await tradeRecord(simulator, paid ?? trade));
  });

  router.post('/late_refunds', async (req, res) => {
    const input = parseControlBody(lateRefundInputSchema, req.body);
    const simulator = simulatorFor(input.provider);
    if (!simulator.settleRefundLate)
      throw new ControlBadRequestError(
        `${input.provider} does not notify refunds: it cannot settle one late`,
        'provider',
      );
    const trade = await findTrade(input.provider, input.out_trade_no, input.account);
    await simulator.settleRefundLate(trade, { outRefundNo: input.out_refund_no, amount: input.amount });
    res.json(await tradeRecord(simulator, (await deps.trades.get(trade)) ?? trade));
  });

  router.get('/trades/:provider/:out_trade_no', async (req, res) => {
    const simulator = simulatorFor(req.params.provider);
    const appId = typeof req.query.account === 'string' ? req.query.account : undefined;
    const trade = await findTrade(req.params.provider, req.params.out_trade_no, appId);
    res.json(await tradeRecord(simulator, trade));
  });

  router.post('/faults', (req, res) => {
    const input = parseControlBody(faultRuleInputSchema, req.body);
    simulatorFor(input.provider);
    res.status(201).json(deps.faults.set(input));
  });

  router.post('/statement_edits', async (req, res) => {
    const input = parseControlBody(statementEditInputSchema, req.body);
    simulatorFor(input.provider);
    await deps.statementEdits.add(input);
    res.status(201).json({ object: 'statement_edit', ...input });
  });

  router.get('/faults', (_req, res) => {
    res.json({ object: 'list', data: deps.faults.list() });
  });

  router.delete('/faults', (_req, res) => {
    res.json({ deleted: deps.faults.clear() });
  });

  router.delete('/faults/:id', (req: Request<{ id: string }>, res) => {
    if (!deps.faults.remove(req.params.id)) throw new ControlNotFoundError(`no fault rule ${req.params.id}`, 'id');
    res.json({ deleted: 1 });
  });

  return router;
}
