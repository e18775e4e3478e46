"""The ops feature columns added have TF 2.21's signatures (input, output and attr names,
required attrs, statefulness): the check of tests/conformance/test_input_opdefs_tf.py."""
import pytest

pytest.importorskip("tensorflow")
from tests.conformance.test_input_opdefs_tf import test_signature_matches_tf as _check  # noqa

OPS = ["Bucketize", "SparseCross", "HashTableV2", "LookupTableImportV2",
       "LookupTableFindV2", "LookupTableSizeV2", "InitializeTableFromTextFileV2",
       "MutableHashTableV2", "MutableHashTableOfTensorsV2", "LookupTableInsertV2",
       "LookupTableRemoveV2", "LookupTableExportV2"]


@pytest.mark.parametrize("name", OPS)
def test_signature_matches_tf(name):
    _check(name)
