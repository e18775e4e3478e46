"""`tf.train.SyncReplicasOptimizer`: synchronous data-parallel training. Every worker
applies its gradients to one ConditionalAccumulator per variable (on the variable's
ps) and then waits for a token; the chief's queue runner takes the mean of
`replicas_to_aggregate` gradients, applies it once, advances the global step and
enqueues the next tokens. Gradients computed at an older step are dropped."""
from flowgraph import tf_logging
from flowgraph.framework import dtypes
from flowgraph.framework.graph import (GraphKeys, colocate_with, control_dependencies,
                                       device, name_scope)
from flowgraph.framework.indexed_slices import IndexedSlices
from flowgraph.ops import accumulator_ops, core, creation_ops, queue_ops, state_ops
from flowgraph.ops import variables as variables_lib
from flowgraph.train import queue_runner
from flowgraph.train.optimizer import Optimizer
from flowgraph.train.session_manager import is_ready
from flowgraph.train.session_run_hook import SessionRunHook

__all__ = ["SyncReplicasOptimizer"]


class SyncReplicasOptimizer(Optimizer):
    """Wraps `opt` so that each update averages `replicas_to_aggregate` gradients from
    the `total_num_replicas` workers."""

    def __init__(self, opt, replicas_to_aggregate, total_num_replicas=None,
                 variable_averages=None, variables_to_average=None, use_locking=False,
                 name="sync_replicas"):
        if total_num_replicas is None:
            total_num_replicas = replicas_to_aggregate
        super().__init__(use_locking, name)
        tf_logging.info(f"SyncReplicasV2: replicas_to_aggregate={replicas_to_aggregate}; "
                        f"total_num_replicas={total_num_replicas}")
        self._opt = opt
        self._replicas_to_aggregate = replicas_to_aggregate
        self._total_num_replicas = total_num_replicas
        self._tokens_per_step = max(total_num_replicas, replicas_to_aggregate)
        self._variable_averages = variable_averages
        self._variables_to_average = variables_to_average
        self._gradients_applied = False
        self._global_step = None
        self._sync_token_queue = None
        self._chief_queue_runner = None
        self._accumulator_list = []

    def compute_gradients(self, *args, **kwargs):
        return self._opt.compute_gradients(*args, **kwargs)

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Returns the op a worker runs each step: apply its gradients to the
        accumulators, then take a token (the step at which to compute the next ones)."""
        if not grads_and_vars:
            raise ValueError("Must supply at least one variable")
        if global_step is None:
            raise ValueError("Global step is required to check staleness")
        self._global_step = global_step
        train_ops, aggregated, var_list = [], [], []
        local_anchor = core.no_op()
        with colocate_with(local_anchor):  # on this worker, not on a ps
            self._local_step = variables_lib.Variable(
                0, trainable=False, collections=[GraphKeys.LOCAL_VARIABLES],
                dtype=global_step.dtype.base_dtype, name="sync_rep_local_step")
        self.local_step_init_op = state_ops.assign(self._local_step, global_step)
        chief_init_ops = [self.local_step_init_op]
        self.ready_for_local_init_op = variables_lib.report_uninitialized_variables(
            variables_lib.global_variables())
        with name_scope(None, self._name, []):
            for grad, var in grads_and_vars:
                var_list.append(var)
                with device(var.device):
                    if grad is None:
                        aggregated.append(None)
                        continue
                    if isinstance(grad, IndexedSlices):
                        raise NotImplementedError(
                            "SyncReplicasOptimizer: sparse (IndexedSlices) gradients are "
                            "not supported yet")
                    acc = accumulator_ops.ConditionalAccumulator(
                        grad.dtype, shape=var.get_shape(),
                        shared_name=var.name + "/grad_accum")
                    train_ops.append(acc.apply_grad(grad, local_step=self._local_step))
                    aggregated.append(acc.take_grad(self._replicas_to_aggregate))
                    self._accumulator_list.append((acc, var.device))
            with device(global_step.device), name_scope(""):
                update_op = self._opt.apply_gradients(list(zip(aggregated, var_list)),
                                                      global_step)
                self._sync_token_queue = queue_ops.FIFOQueue(
                    -1, [global_step.dtype.base_dtype], shapes=[()], name="sync_token_q",
                    shared_name="sync_token_q")
                # The queue runner gets a queue of its own: it never closes the real one.
                dummy_queue = queue_ops.FIFOQueue(1, [dtypes.int32], shapes=[()],
                                                  name="dummy_queue", shared_name="dummy_queue")
                with control_dependencies(train_ops):
                    token = self._sync_token_queue.dequeue()
                train_op = state_ops.assign(self._local_step, token)
                with control_dependencies([update_op]):
                    tokens = creation_ops.fill([self._tokens_per_step], global_step)
                    sync_op = self._sync_token_queue.enqueue_many((tokens,))
                if self._variable_averages is not None:
                    with control_dependencies([sync_op]), name_scope(""):
                        sync_op = self._variable_averages.apply(self._variables_to_average)
                self._chief_queue_runner = queue_runner.QueueRunner(dummy_queue, [sync_op])
            for acc, dev in self._accumulator_list:
                with device(dev):
                    chief_init_ops.append(acc.set_global_step(global_step,
                                                              name="SetGlobalStep"))
            self.chief_init_op = core.group(*chief_init_ops)
        self._gradients_applied = True
        return train_op

    def get_chief_queue_runner(self):
        if not self._gradients_applied:
            raise ValueError("Should be called after apply_gradients().")
        return self._chief_queue_runner

    def get_slot(self, *args, **kwargs):
        return self._opt.get_slot(*args, **kwargs)

    def get_slot_names(self, *args, **kwargs):
        return self._opt.get_slot_names(*args, **kwargs)

    def variables(self):
        return self._opt.variables()

    def get_init_tokens_op(self, num_tokens=-1):
        """The op the chief runs once to put `num_tokens` (default replicas_to_aggregate)
        tokens in the queue, so the workers can start."""
        if not self._gradients_applied:
            raise ValueError("get_init_tokens_op() should be called after apply_gradients().")
        tokens_needed = self._replicas_to_aggregate - self._total_num_replicas
        if num_tokens == -1:
            num_tokens = self._replicas_to_aggregate
        elif num_tokens < tokens_needed:
            raise ValueError(f"Too few tokens to finish the first step: {num_tokens} "
                             f"(given) vs {tokens_needed} (needed)")
        if num_tokens > 0:
            with device(self._global_step.device), name_scope(""):
                tokens = creation_ops.fill([num_tokens], self._global_step)
                return self._sync_token_queue.enqueue_many((tokens,))
        return core.no_op(name="no_init_tokens")

    def make_session_run_hook(self, is_chief, num_tokens=-1):
        """The hook that initializes the local step (and, on the chief, the accumulators'
        steps and the tokens) and starts the chief's queue runner."""
        return _SyncReplicasOptimizerHook(self, is_chief, num_tokens)


class _SyncReplicasOptimizerHook(SessionRunHook):
    def __init__(self, sync_optimizer, is_chief, num_tokens):
        self._sync_optimizer, self._is_chief = sync_optimizer, is_chief
        self._num_tokens = num_tokens

    def begin(self):
        opt = self._sync_optimizer
        if not opt._gradients_applied:
            raise ValueError("SyncReplicasOptimizer.apply_gradient should be called before "
                             "using the hook.")
        self._ready_for_local_init_op = opt.ready_for_local_init_op
        if self._is_chief:
            self._local_init_op = opt.chief_init_op
            self._q_runner = opt.get_chief_queue_runner()
            self._init_tokens_op = opt.get_init_tokens_op(self._num_tokens)
        else:
            self._local_init_op = opt.local_step_init_op
            self._q_runner = self._init_tokens_op = None

    def after_create_session(self, session, coord):
        ready, msg = is_ready(session, self._ready_for_local_init_op)
        if not ready:
            raise RuntimeError(f"Init operations did not make model ready for "
                               f"SyncReplicasOptimizer local_init. Init op: "
                               f"{self._local_init_op.name}, error: {msg}")
        session.run(self._local_init_op)
        if self._init_tokens_op is not None:
            session.run(self._init_tokens_op)
        if self._q_runner is not None:
            self._q_runner.create_threads(session, coord=coord, daemon=True, start=True)
