/**
 * One case per run-time check of the optimizers, schedules and gradient clipping: wrong types,
 * out-of-range hyper-parameters and misspelt options throw a plain Error naming the function and
 * the argument (never a raw TypeError, never a NaN hyper-parameter reaching the update).
 */
import { describe, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectPlainError, pinBackend, type ErrorCase } from '../nn/helpers.js';

pinBackend('cpu');

const u = <T>(v: unknown): T => v as T;
const w = (): nb.Tensor => nb.tensor([1, 2], { requiresGrad: true });
const state = (over: Record<string, unknown>): nb.optim.OptimizerState => u({ iterations: 1, params: {}, ...over });

const CASES: ErrorCase[] = [
  // learning rates
  ['sgd lr null', () => nb.optim.sgd(u(null)), 'sgd: lr must be a finite number ≥ 0, got null'],
  ['sgd lr string', () => nb.optim.sgd(u('0.1')), 'sgd: lr must be a finite number ≥ 0, got string "0.1"'],
  ['sgd lr negative', () => nb.optim.sgd(-1), 'sgd: lr must be a finite number ≥ 0, got -1'],
  ['rmsprop lr NaN', () => nb.optim.rmsprop(NaN), 'rmsprop: lr must be a finite number ≥ 0, got NaN'],
  ['adam lr Infinity', () => nb.optim.adam(Infinity), 'adam: lr must be a finite number ≥ 0, got Infinity'],
  ['lr setter', () => { nb.optim.adagrad().lr = u('1'); }, 'adagrad: lr must be a finite number ≥ 0, got string "1"'],
  // options objects
  ['sgd options null', () => nb.optim.sgd(0.1, u(null)), 'sgd: options must be an object, got null'],
  ['sgd options misspelt', () => nb.optim.sgd(0.1, u({ momentun: 0.9 })), "sgd: unknown option 'momentun' in options; known options: momentum, nesterov, weightDecay"],
  ['sgd momentum 1', () => nb.optim.sgd(0.1, { momentum: 1 }), 'sgd: momentum must be a finite number ≥ 0 and < 1, got 1'],
  ['sgd momentum null', () => nb.optim.sgd(0.1, u({ momentum: null })), 'sgd: momentum must be a finite number ≥ 0 and < 1, got null'],
  ['sgd nesterov 1', () => nb.optim.sgd(0.1, u({ momentum: 0.9, nesterov: 1 })), 'sgd: nesterov must be true or false, got 1'],
  ['sgd nesterov without momentum', () => nb.optim.sgd(0.1, { nesterov: true }), 'sgd: nesterov needs a momentum > 0'],
  ['sgd weightDecay negative', () => nb.optim.sgd(0.1, { weightDecay: -0.1 }), 'sgd: weightDecay must be a finite number ≥ 0, got -0.1'],
  ['adagrad eps -1e-8', () => nb.optim.adagrad(0.1, { eps: -1e-8 }), 'adagrad: eps must be a finite number ≥ 0, got -1e-8'],
  ['adagrad initialAccumulator', () => nb.optim.adagrad(0.1, { initialAccumulator: -1 }), 'adagrad: initialAccumulator must be a finite number ≥ 0, got -1'],
  ['adagrad weightDecay string', () => nb.optim.adagrad(0.1, u({ weightDecay: '0' })), 'adagrad: weightDecay must be a finite number ≥ 0, got string "0"'],
  ['adagrad misspelt', () => nb.optim.adagrad(0.1, u({ epsilon: 1e-8 })), "adagrad: unknown option 'epsilon' in options; known options: eps, initialAccumulator, weightDecay"],
  ['rmsprop rho 1', () => nb.optim.rmsprop(0.1, { rho: 1 }), 'rmsprop: rho must be a finite number ≥ 0 and < 1, got 1'],
  ['rmsprop eps negative', () => nb.optim.rmsprop(0.1, { eps: -1 }), 'rmsprop: eps must be a finite number ≥ 0, got -1'],
  ['rmsprop weightDecay NaN', () => nb.optim.rmsprop(0.1, { weightDecay: NaN }), 'rmsprop: weightDecay must be a finite number ≥ 0, got NaN'],
  ['rmsprop misspelt', () => nb.optim.rmsprop(0.1, u({ decay: 0.9 })), "rmsprop: unknown option 'decay' in options; known options: rho, eps, weightDecay"],
  ['adadelta rho', () => nb.optim.adadelta(1, u({ rho: '0.9' })), 'adadelta: rho must be a finite number ≥ 0 and < 1, got string "0.9"'],
  ['adadelta eps', () => nb.optim.adadelta(1, { eps: -1 }), 'adadelta: eps must be a finite number ≥ 0, got -1'],
  ['adadelta weightDecay', () => nb.optim.adadelta(1, { weightDecay: -1 }), 'adadelta: weightDecay must be a finite number ≥ 0, got -1'],
  ['adadelta misspelt', () => nb.optim.adadelta(1, u({ lr: 1 })), "adadelta: unknown option 'lr' in options; known options: rho, eps, weightDecay"],
  ['adam eps -1', () => nb.optim.adam(1e-3, { eps: -1 }), 'adam: eps must be a finite number ≥ 0, got -1'],
  ['adam beta1 1', () => nb.optim.adam(1e-3, { beta1: 1 }), 'adam: beta1 must be a finite number ≥ 0 and < 1, got 1'],
  ['adam beta2 1.5', () => nb.optim.adam(1e-3, { beta2: 1.5 }), 'adam: beta2 must be a finite number ≥ 0 and < 1, got 1.5'],
  ['adam beta1 null', () => nb.optim.adam(1e-3, u({ beta1: null })), 'adam: beta1 must be a finite number ≥ 0 and < 1, got null'],
  ['adam weightDecay', () => nb.optim.adam(1e-3, { weightDecay: -1 }), 'adam: weightDecay must be a finite number ≥ 0, got -1'],
  ['adam misspelt', () => nb.optim.adam(1e-3, u({ betas1: 0.9 })), "adam: unknown option 'betas1' in options; known options: beta1, beta2, eps, weightDecay"],
  ['Adam decoupled', () => new nb.optim.Adam(1e-3, {}, u('yes')), 'adamw: decoupled must be true or false, got string "yes"'],
  ['adamw eps', () => nb.optim.adamw(1e-3, u({ eps: '1e-8' })), 'adamw: eps must be a finite number ≥ 0, got string "1e-8"'],
  ['adamw options array', () => nb.optim.adamw(1e-3, u([0.9])), 'adamw: options must be an object, got an array'],
  // step, zeroGrad, state
  ['step null', () => nb.optim.sgd(0.1).step(u(null)), 'sgd.step: params must be an array, got null'],
  ['step tensor', () => nb.optim.adam().step(u(w())), 'adam.step: params must be an array, got a Tensor [2] float32'],
  ['step entry', () => nb.optim.adam().step(u([w(), 3])), 'adam.step: params[1] must be a Tensor, got 3'],
  ['zeroGrad null', () => nb.optim.sgd(0.1).zeroGrad(u(null)), 'sgd.zeroGrad: params must be an array, got null'],
  ['stateDict null', () => nb.optim.sgd(0.1).stateDict(u(null)), 'sgd.stateDict: named must be an array, got null'],
  ['stateDict entry', () => nb.optim.sgd(0.1).stateDict(u([w()])), 'sgd.stateDict: named[0] must be a [name, Tensor] pair'],
  ['loadStateDict named', () => nb.optim.sgd(0.1).loadStateDict(u(null), state({})), 'sgd.loadStateDict: named must be an array, got null'],
  ['loadStateDict state null', () => nb.optim.sgd(0.1).loadStateDict([], u(null)), 'sgd.loadStateDict: state must be an object, got null'],
  ['loadStateDict iterations', () => nb.optim.sgd(0.1).loadStateDict([], state({ iterations: -1 })), 'sgd.loadStateDict: state.iterations must be an integer ≥ 0, got -1'],
  ['loadStateDict params', () => nb.optim.sgd(0.1).loadStateDict([], state({ params: null })), 'sgd.loadStateDict: state.params must be an object, got null'],
  ['loadStateDict entry', () => nb.optim.sgd(0.1).loadStateDict([['w', w()]], state({ params: { w: null } })), "sgd.loadStateDict: state.params['w'] must be an object, got null"],
  ['loadStateDict step', () => nb.optim.sgd(0.1).loadStateDict([['w', w()]], state({ params: { w: { step: 'a', slots: [] } } })), "sgd.loadStateDict: state.params['w'].step must be an integer ≥ 0, got string \"a\""],
  ['loadStateDict slots', () => nb.optim.sgd(0.1).loadStateDict([['w', w()]], state({ params: { w: { step: 1, slots: [1] } } })), "sgd.loadStateDict: state.params['w'].slots[0] must be a Tensor, got 1"],
  ['loadStateDict unknown name', () => nb.optim.sgd(0.1).loadStateDict([['v', w()]], state({ params: { w: { step: 1, slots: [] } } })), "sgd.loadStateDict: state for 'w', which is not among the parameters (v)"],
  ['fromConfig null', () => nb.optim.fromConfig(u(null)), 'optim.fromConfig: config must be an object, got null'],
  ['fromConfig type', () => nb.optim.fromConfig(u({ type: 'lbfgs', lr: 1 })), "optim.fromConfig: config.type must be one of 'sgd', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw', got string \"lbfgs\""],
  ['fromConfig bad value', () => nb.optim.fromConfig({ type: 'adam', lr: 1e-3, eps: -1 }), 'optim.fromConfig: adam: eps must be a finite number ≥ 0, got -1'],
  ['fromConfig unknown key', () => nb.optim.fromConfig({ type: 'sgd', lr: 0.1, mom: 0.9 }), "optim.fromConfig: sgd: unknown option 'mom'"],
  ['byName name', () => nb.optim.byName(u(null)), "optim.byName: name must be one of 'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw', got null"],
  ['byName unknown', () => nb.optim.byName('lbfgs'), "optim.byName: name must be one of 'sgd'"],
  ['byName lr', () => nb.optim.byName('sgd', u('0.1')), 'optim.byName: lr must be a finite number ≥ 0, got string "0.1"'],
  // schedules
  ['stepDecay initialLr', () => nb.optim.stepDecay(u(null), { factor: 0.5, every: 1 }), 'stepDecay: initialLr must be a finite number ≥ 0, got null'],
  ['stepDecay options missing', () => nb.optim.stepDecay(0.1, u(undefined)), 'stepDecay: factor must be a finite number > 0, got undefined'],
  ['stepDecay options null', () => nb.optim.stepDecay(0.1, u(null)), 'stepDecay: options must be an object, got null'],
  ['stepDecay factor 0', () => nb.optim.stepDecay(0.1, { factor: 0, every: 1 }), 'stepDecay: factor must be a finite number > 0, got 0'],
  ['stepDecay every 0', () => nb.optim.stepDecay(0.1, { factor: 0.5, every: 0 }), 'stepDecay: every must be a positive integer, got 0'],
  ['stepDecay every string', () => nb.optim.stepDecay(0.1, u({ factor: 0.5, every: '10' })), 'stepDecay: every must be a positive integer, got string "10"'],
  ['stepDecay per', () => nb.optim.stepDecay(0.1, u({ factor: 0.5, every: 1, per: 'batch' })), "stepDecay: per must be one of 'epoch', 'step', got string \"batch\""],
  ['stepDecay misspelt', () => nb.optim.stepDecay(0.1, u({ factor: 0.5, every: 1, gamma: 2 })), "stepDecay: unknown option 'gamma' in options; known options: factor, every, per"],
  ['exponentialDecay initialLr', () => nb.optim.exponentialDecay(u('1'), 0.1), 'exponentialDecay: initialLr must be a finite number ≥ 0, got string "1"'],
  ['exponentialDecay k', () => nb.optim.exponentialDecay(0.1, -1), 'exponentialDecay: k must be a finite number ≥ 0, got -1'],
  ['exponentialDecay options', () => nb.optim.exponentialDecay(0.1, 0.1, u(null)), 'exponentialDecay: options must be an object, got null'],
  ['lambdaSchedule fn', () => nb.optim.lambdaSchedule(u(null)), 'lambdaSchedule: fn must be a function, got null'],
  ['lambdaSchedule per', () => nb.optim.lambdaSchedule(() => 1, u({ per: 1 })), "lambdaSchedule: per must be one of 'epoch', 'step', got 1"],
  ['lambdaSchedule bigint value', () => nb.optim.lambdaSchedule(u(() => 1n)).lrAt(0), 'lambdaSchedule: the function gave bigint 1n at t = 0'],
  ['lambdaSchedule bad value', () => nb.optim.lambdaSchedule(() => NaN).lrAt(0), 'lambdaSchedule: the function gave NaN at t = 0'],
  ['constantSchedule lr', () => nb.optim.constantSchedule(-1), 'constantSchedule: lr must be a finite number ≥ 0, got -1'],
  ['constantSchedule misspelt', () => nb.optim.constantSchedule(0.1, u({ every: 1 })), "constantSchedule: unknown option 'every' in options; known options: per"],
  ['lrAt t negative', () => nb.optim.constantSchedule(0.1).lrAt(-1), 'constantSchedule.lrAt: t must be an integer ≥ 0, got -1'],
  ['lrAt t string', () => nb.optim.stepDecay(0.1, { factor: 0.5, every: 1 }).lrAt(u('1')), 'stepDecay.lrAt: t must be an integer ≥ 0, got string "1"'],
  ['apply optimizer null', () => nb.optim.exponentialDecay(0.1, 0.1).apply(u(null), 0), 'exponentialDecay.apply: optimizer must be an optimizer (an object with a numeric lr), got null'],
  ['apply t', () => nb.optim.exponentialDecay(0.1, 0.1).apply(nb.optim.sgd(0.1), 1.5), 'exponentialDecay.apply: t must be an integer ≥ 0, got 1.5'],
  // clipping
  ['clipGradNorm params null', () => nb.optim.clipGradNorm(u(null), 1), 'clipGradNorm: params must be an array, got null'],
  ['clipGradNorm params entry', () => nb.optim.clipGradNorm(u([null]), 1), 'clipGradNorm: params[0] must be a Tensor, got null'],
  ['clipGradNorm maxNorm string', () => nb.optim.clipGradNorm([w()], u('1')), 'clipGradNorm: maxNorm must be a finite number > 0, got string "1"'],
  ['clipGradNorm maxNorm 0', () => nb.optim.clipGradNorm([w()], 0), 'clipGradNorm: maxNorm must be a finite number > 0, got 0'],
  ['clipGradValue params', () => nb.optim.clipGradValue(u('w'), 1), 'clipGradValue: params must be an array, got string "w"'],
  ['clipGradValue maxValue', () => nb.optim.clipGradValue([w()], NaN), 'clipGradValue: maxValue must be a finite number > 0, got NaN'],
  ['gradNorms null', () => nb.optim.gradNorms(u(null)), 'gradNorms: named must be an array, got null'],
  ['gradNorms entry', () => nb.optim.gradNorms(u([w()])), 'gradNorms: named[0] must be a [name, Tensor] pair'],
];

describe('optim argument checks: one case per check', () => {
  it.each(CASES)('%s', (_name, fn, expected) => expectPlainError(fn, expected));
});
