"""`tf.saved_model` (TF1's `tf.compat.v1.saved_model`): SavedModel directories as
TensorFlow writes and reads them, for TensorFlow Serving and `saved_model_cli`."""
from flowgraph.saved_model import (builder, constants, loader, main_op,  # noqa: F401
                                   signature_constants, signature_def_utils, tag_constants,
                                   utils)
from flowgraph.saved_model.builder import SavedModelBuilder, simple_save  # noqa: F401
from flowgraph.saved_model.constants import *  # noqa: F401,F403
from flowgraph.saved_model.loader import (contains_saved_model, load,  # noqa: F401
                                          maybe_saved_model_directory)
from flowgraph.saved_model.main_op import main_op_with_restore  # noqa: F401
from flowgraph.saved_model.signature_constants import *  # noqa: F401,F403
from flowgraph.saved_model.signature_def_utils import (  # noqa: F401
    build_signature_def, classification_signature_def, is_valid_signature,
    predict_signature_def, regression_signature_def)
from flowgraph.saved_model.tag_constants import *  # noqa: F401,F403
from flowgraph.saved_model.utils import (build_tensor_info,  # noqa: F401
                                         get_tensor_from_tensor_info)

Builder = SavedModelBuilder
