"""Writes test/fixtures/torch/optim.json: PyTorch's optimizer trajectories and learning-rate
schedules, which test/optim/torch.test.ts replays with nabla.

Run with the PyTorch venv: /work/venv/bin/python scripts/torch/optim.py

The problem: one parameter w (3 elements) of loss Σ ½·a·(w − c)² + 0.05·w⁴, whose gradient
a·(w − c) + 0.2·w³ is computed in float64 from the current w and then cast to the parameter's
dtype (the test computes it the same way). Option names are nabla's (camelCase); every option is
given to PyTorch explicitly, nabla's defaults included, so that differing defaults never matter.
"""
import json
import os

import torch

W0 = [1.0, -2.0, 0.5]
A = [1.0, 3.0, 0.5]
C = [0.2, 0.4, -1.0]

# nabla's defaults (src/optim/optimizer.ts), spelt out for PyTorch
DEFAULTS = {
    'sgd': {'momentum': 0, 'dampening': 0, 'nesterov': False, 'weightDecay': 0},
    'adagrad': {'eps': 1e-8, 'lrDecay': 0, 'initialAccumulator': 0, 'weightDecay': 0},
    'rmsprop': {'rho': 0.9, 'eps': 1e-8, 'weightDecay': 0, 'momentum': 0, 'centered': False},
    'adadelta': {'rho': 0.95, 'eps': 1e-6, 'weightDecay': 0},
    'adam': {'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8, 'weightDecay': 0, 'amsgrad': False},
    'adamw': {'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8, 'weightDecay': 0.01, 'amsgrad': False},
}


def torch_optimizer(kind, params, lr, opts):
    o = {**DEFAULTS[kind], **opts}
    if kind == 'sgd':
        return torch.optim.SGD(params, lr=lr, momentum=o['momentum'], dampening=o['dampening'], nesterov=o['nesterov'], weight_decay=o['weightDecay'])
    if kind == 'adagrad':
        return torch.optim.Adagrad(params, lr=lr, lr_decay=o['lrDecay'], initial_accumulator_value=o['initialAccumulator'], eps=o['eps'], weight_decay=o['weightDecay'])
    if kind == 'rmsprop':
        return torch.optim.RMSprop(params, lr=lr, alpha=o['rho'], eps=o['eps'], weight_decay=o['weightDecay'], momentum=o['momentum'], centered=o['centered'])
    if kind == 'adadelta':
        return torch.optim.Adadelta(params, lr=lr, rho=o['rho'], eps=o['eps'], weight_decay=o['weightDecay'])
    cls = torch.optim.Adam if kind == 'adam' else torch.optim.AdamW
    return cls(params, lr=lr, betas=(o['beta1'], o['beta2']), eps=o['eps'], weight_decay=o['weightDecay'], amsgrad=o['amsgrad'], foreach=False)


def grad_of(w):
    x = w.detach().double()
    a = torch.tensor(A, dtype=torch.float64)
    c = torch.tensor(C, dtype=torch.float64)
    return (a * (x - c) + 0.2 * x ** 3).to(w.dtype)


def torch_schedule(s, opt):
    """A PyTorch scheduler for a nabla schedule description (the optimizer's lr is the base rate)."""
    kind = s['type']
    if kind == 'multiStep':
        return torch.optim.lr_scheduler.MultiStepLR(opt, milestones=s['milestones'], gamma=s['gamma'])
    if kind == 'cosineWarmRestarts':
        return torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=s['T0'], T_mult=s.get('Tmult', 1), eta_min=s.get('etaMin', 0))
    if kind == 'oneCycle':
        return torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=s['maxLr'], total_steps=s['totalSteps'], pct_start=s.get('pctStart', 0.3),
            anneal_strategy=s.get('annealStrategy', 'cos'), cycle_momentum=s.get('cycleMomentum', True),
            base_momentum=s.get('baseMomentum', 0.85), max_momentum=s.get('maxMomentum', 0.95),
            div_factor=s.get('divFactor', 25.0), final_div_factor=s.get('finalDivFactor', 1e4), three_phase=s.get('threePhase', False))
    if kind == 'warmup':
        first = torch.optim.lr_scheduler.LinearLR(opt, start_factor=s['startFactor'], end_factor=1.0, total_iters=s['steps'])
        then = torch_schedule(s['then'], opt)
        return torch.optim.lr_scheduler.SequentialLR(opt, [first, then], milestones=[s['steps']])
    if kind == 'reduceOnPlateau':
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode=s.get('mode', 'min'), factor=s.get('factor', 0.1), patience=s.get('patience', 10), threshold=s.get('threshold', 1e-4),
            threshold_mode=s.get('thresholdMode', 'rel'), cooldown=s.get('cooldown', 0), min_lr=s.get('minLr', 0), eps=s.get('eps', 1e-8))
    raise ValueError(kind)


def momentum_of(opt):
    g = opt.param_groups[0]
    return g['betas'][0] if 'betas' in g else g.get('momentum')


def trajectory(case):
    """Parameter values after each step (and the lr, momentum used by each step when scheduled)."""
    dtype = torch.float32 if case.get('dtype') == 'float32' else torch.float64
    w = torch.tensor(W0, dtype=dtype, requires_grad=True)
    opt = torch_optimizer(case['optimizer'], [w], case['lr'], case.get('options', {}))
    sched = torch_schedule(case['schedule'], opt) if 'schedule' in case else None
    out = {'w': [], 'lrs': [], 'momenta': []}
    for _ in range(case['steps']):
        out['lrs'].append(opt.param_groups[0]['lr'])
        out['momenta'].append(momentum_of(opt))
        w.grad = grad_of(w)
        opt.step()
        if sched is not None:
            sched.step()
        out['w'].append(w.detach().double().tolist())
    if sched is None:
        del out['lrs'], out['momenta']
    return out


def schedule_values(case):
    """The lr (and momentum) PyTorch's scheduler gives each of `steps` steps; plateau schedules are fed `metrics`."""
    w = torch.zeros(1, requires_grad=True)
    opt = torch_optimizer(case.get('optimizer', 'sgd'), [w], case['lr'], case.get('options', {}))
    sched = torch_schedule(case['schedule'], opt)
    lrs, moms = [], []
    for t in range(case['steps']):
        lrs.append(opt.param_groups[0]['lr'])
        moms.append(momentum_of(opt))
        w.grad = torch.zeros(1)
        opt.step()
        if 'metrics' in case:
            sched.step(case['metrics'][t])
        else:
            sched.step()
    out = {'lrs': lrs}
    if case['schedule']['type'] == 'oneCycle':
        out['momenta'] = moms
    return out


OPTIMIZERS = [
    {'name': 'sgd', 'optimizer': 'sgd', 'lr': 0.1},
    {'name': 'sgd momentum', 'optimizer': 'sgd', 'lr': 0.05, 'options': {'momentum': 0.9}},
    {'name': 'sgd momentum dampening', 'optimizer': 'sgd', 'lr': 0.05, 'options': {'momentum': 0.9, 'dampening': 0.5}},
    {'name': 'sgd nesterov', 'optimizer': 'sgd', 'lr': 0.05, 'options': {'momentum': 0.9, 'nesterov': True}},
    {'name': 'sgd momentum dampening weightDecay', 'optimizer': 'sgd', 'lr': 0.05, 'options': {'momentum': 0.8, 'dampening': 0.1, 'weightDecay': 0.1}},
    {'name': 'adagrad lrDecay initialAccumulator', 'optimizer': 'adagrad', 'lr': 0.1, 'options': {'lrDecay': 0.05, 'initialAccumulator': 0.1, 'eps': 1e-10}},
    {'name': 'adagrad lrDecay weightDecay', 'optimizer': 'adagrad', 'lr': 0.2, 'options': {'lrDecay': 0.5, 'weightDecay': 0.1}},
    {'name': 'rmsprop', 'optimizer': 'rmsprop', 'lr': 0.01, 'options': {'rho': 0.99}},
    {'name': 'rmsprop momentum', 'optimizer': 'rmsprop', 'lr': 0.01, 'options': {'rho': 0.99, 'momentum': 0.9}},
    {'name': 'rmsprop centered', 'optimizer': 'rmsprop', 'lr': 0.01, 'options': {'centered': True}},
    {'name': 'rmsprop centered momentum weightDecay', 'optimizer': 'rmsprop', 'lr': 0.01, 'options': {'centered': True, 'momentum': 0.5, 'weightDecay': 0.1}},
    {'name': 'adadelta', 'optimizer': 'adadelta', 'lr': 1, 'options': {'rho': 0.9}},
    {'name': 'adam', 'optimizer': 'adam', 'lr': 0.1},
    {'name': 'adam amsgrad', 'optimizer': 'adam', 'lr': 0.3, 'options': {'amsgrad': True}},
    {'name': 'adam amsgrad weightDecay', 'optimizer': 'adam', 'lr': 0.3, 'options': {'amsgrad': True, 'weightDecay': 0.1, 'beta2': 0.9}},
    {'name': 'adamw', 'optimizer': 'adamw', 'lr': 0.1},
    {'name': 'adamw amsgrad', 'optimizer': 'adamw', 'lr': 0.3, 'options': {'amsgrad': True, 'weightDecay': 0.1, 'beta2': 0.9}},
    # float32: the fused Adam kernel, the amsgrad composite path, the other new options
    {'name': 'adam float32', 'optimizer': 'adam', 'lr': 0.1, 'dtype': 'float32'},
    {'name': 'adam amsgrad float32', 'optimizer': 'adam', 'lr': 0.3, 'options': {'amsgrad': True, 'beta2': 0.9}, 'dtype': 'float32'},
    {'name': 'sgd nesterov float32', 'optimizer': 'sgd', 'lr': 0.05, 'options': {'momentum': 0.9, 'nesterov': True}, 'dtype': 'float32'},
    {'name': 'rmsprop centered momentum float32', 'optimizer': 'rmsprop', 'lr': 0.01, 'options': {'centered': True, 'momentum': 0.5}, 'dtype': 'float32'},
    # optimizers under a schedule that changes lr (and momentum or β₁) between steps
    {'name': 'sgd momentum + multiStep', 'optimizer': 'sgd', 'lr': 0.05, 'options': {'momentum': 0.9, 'dampening': 0.2},
     'schedule': {'type': 'multiStep', 'milestones': [2, 5], 'gamma': 0.3}},
    {'name': 'sgd nesterov + oneCycle', 'optimizer': 'sgd', 'lr': 0.05, 'options': {'momentum': 0.9, 'nesterov': True},
     'schedule': {'type': 'oneCycle', 'maxLr': 0.1, 'totalSteps': 10}},
    {'name': 'adam + oneCycle', 'optimizer': 'adam', 'lr': 0.1, 'schedule': {'type': 'oneCycle', 'maxLr': 0.3, 'totalSteps': 10, 'pctStart': 0.4}},
    {'name': 'rmsprop momentum + oneCycle linear', 'optimizer': 'rmsprop', 'lr': 0.01, 'options': {'momentum': 0.5},
     'schedule': {'type': 'oneCycle', 'maxLr': 0.05, 'totalSteps': 10, 'annealStrategy': 'linear', 'baseMomentum': 0.7, 'maxMomentum': 0.9}},
    {'name': 'adagrad lrDecay + cosineWarmRestarts', 'optimizer': 'adagrad', 'lr': 0.2, 'options': {'lrDecay': 0.1},
     'schedule': {'type': 'cosineWarmRestarts', 'T0': 3, 'Tmult': 2, 'etaMin': 0.01}},
]
for c in OPTIMIZERS:
    c.setdefault('steps', 8)

SCHEDULES = [
    {'name': 'multiStep', 'lr': 0.1, 'steps': 20, 'schedule': {'type': 'multiStep', 'milestones': [3, 7, 12], 'gamma': 0.5}},
    {'name': 'multiStep repeated milestone', 'lr': 1, 'steps': 8, 'schedule': {'type': 'multiStep', 'milestones': [2, 4, 4], 'gamma': 0.1}},
    {'name': 'cosineWarmRestarts Tmult 1', 'lr': 0.1, 'steps': 25, 'schedule': {'type': 'cosineWarmRestarts', 'T0': 5, 'etaMin': 0.001}},
    {'name': 'cosineWarmRestarts Tmult 2', 'lr': 0.1, 'steps': 40, 'schedule': {'type': 'cosineWarmRestarts', 'T0': 3, 'Tmult': 2}},
    {'name': 'oneCycle cos (sgd momentum)', 'lr': 0.1, 'steps': 20, 'options': {'momentum': 0.9}, 'schedule': {'type': 'oneCycle', 'maxLr': 0.1, 'totalSteps': 20}},
    {'name': 'oneCycle linear (adam)', 'optimizer': 'adam', 'lr': 0.1, 'steps': 17,
     'schedule': {'type': 'oneCycle', 'maxLr': 0.2, 'totalSteps': 17, 'annealStrategy': 'linear', 'pctStart': 0.25, 'divFactor': 10, 'finalDivFactor': 100}},
    {'name': 'oneCycle threePhase', 'lr': 0.1, 'steps': 20, 'options': {'momentum': 0.9},
     'schedule': {'type': 'oneCycle', 'maxLr': 1, 'totalSteps': 20, 'threePhase': True, 'baseMomentum': 0.8, 'maxMomentum': 0.9}},
    {'name': 'oneCycle no momentum cycling', 'lr': 0.1, 'steps': 12, 'options': {'momentum': 0.9},
     'schedule': {'type': 'oneCycle', 'maxLr': 0.5, 'totalSteps': 12, 'cycleMomentum': False, 'pctStart': 0.5}},
    {'name': 'warmup then multiStep', 'lr': 0.1, 'steps': 14,
     'schedule': {'type': 'warmup', 'steps': 4, 'startFactor': 0.1, 'then': {'type': 'multiStep', 'milestones': [3, 6], 'gamma': 0.5}}},
    {'name': 'warmup then cosineWarmRestarts', 'lr': 0.2, 'steps': 16,
     'schedule': {'type': 'warmup', 'steps': 3, 'startFactor': 1 / 3, 'then': {'type': 'cosineWarmRestarts', 'T0': 4, 'etaMin': 0.02}}},
    {'name': 'reduceOnPlateau min rel', 'lr': 0.1, 'steps': 16,
     'metrics': [1.0, 0.9, 0.95, 0.92, 0.91, 0.9, 0.89991, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
     'schedule': {'type': 'reduceOnPlateau', 'patience': 2, 'factor': 0.5, 'cooldown': 1, 'minLr': 0.02}},
    {'name': 'reduceOnPlateau max abs', 'lr': 1, 'steps': 14,
     'metrics': [0.5, 0.55, 0.6, 0.65, 0.66, 0.67, 0.68, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.86],
     'schedule': {'type': 'reduceOnPlateau', 'mode': 'max', 'thresholdMode': 'abs', 'threshold': 0.05, 'patience': 1, 'factor': 0.1, 'minLr': 0.0015}},
    {'name': 'reduceOnPlateau defaults', 'lr': 0.01, 'steps': 30, 'metrics': [1.0] * 30, 'schedule': {'type': 'reduceOnPlateau'}},
]


def main():
    torch.set_default_dtype(torch.float64)
    fixture = {
        'torch': torch.__version__,
        'problem': {'w0': W0, 'a': A, 'c': C, 'loss': 'sum(0.5*a*(w-c)^2 + 0.05*w^4)', 'grad': 'a*(w-c) + 0.2*w^3 (float64, cast to the dtype)'},
        'optimizers': [{**c, **trajectory(c)} for c in OPTIMIZERS],
        'schedules': [{**c, **schedule_values(c)} for c in SCHEDULES],
    }
    out = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'torch', 'optim.json')
    with open(out, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    print(f'wrote {os.path.normpath(out)}')


if __name__ == '__main__':
    main()
