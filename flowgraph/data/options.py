"""`tf.data.Options`: accepted and kept (flowgraph's pipelines have nothing to tune)."""


class _OptionGroup:
    def __init__(self, **defaults):
        self.__dict__.update(defaults)


class ThreadingOptions(_OptionGroup):
    """Thread pool options of a dataset (recorded, not acted on)."""

    def __init__(self):
        super().__init__(max_intra_op_parallelism=None, private_threadpool_size=None)


class Options:
    """Options of a dataset (`dataset.with_options(options)`): recorded, not acted on."""

    def __init__(self):
        self.deterministic = None
        self.experimental_deterministic = None
        self.experimental_optimization = _OptionGroup(
            apply_default_optimizations=None, map_parallelization=None,
            map_and_batch_fusion=None, noop_elimination=None, parallel_batch=None)
        self.threading = ThreadingOptions()
        self.experimental_threading = self.threading
        self.experimental_distribute = _OptionGroup(auto_shard_policy=None)
        self.autotune = _OptionGroup(enabled=None, cpu_budget=None, ram_budget=None)

    def merge(self, options):
        out = Options()
        out.__dict__.update(self.__dict__)
        for k, v in options.__dict__.items():
            if v is not None and not isinstance(v, _OptionGroup):
                setattr(out, k, v)
        return out
