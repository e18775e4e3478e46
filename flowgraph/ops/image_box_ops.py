"""Boxes and patches: non-max suppression (`NonMaxSuppressionV2/V3/V4`,
`NonMaxSuppressionWithOverlaps`), `DrawBoundingBoxes(V2)`, `CropAndResize` with its
gradient ops, and `ExtractImagePatches`. Boxes are `[y1, x1, y2, x2]`; for
crop_and_resize and drawing they are normalized to [0, 1]."""
import numpy as np

from flowgraph.framework import dtypes, errors
from flowgraph.framework.constant_value import get_static_value
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import apply_op, convert_to_tensor
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE
from flowgraph.framework.tensor_shape import TensorShape
from flowgraph.ops import array_ops, gather_ops, join_ops
from flowgraph.ops.array_ops import _host

__all__ = ["extract_image_patches"]
__namespaces__ = {"image": [
    "non_max_suppression", "non_max_suppression_overlaps", "draw_bounding_boxes",
    "crop_and_resize", "extract_image_patches", "extract_patches=extract_image_patches"]}
_F32 = np.float32


def _invalid(msg):
    return errors.InvalidArgumentError(None, None, msg)


# -- non-max suppression -----------------------------------------------------------------
def _iou_matrix(boxes):
    b = np.asarray(boxes, np.float32)
    y1, y2 = np.minimum(b[:, 0], b[:, 2]), np.maximum(b[:, 0], b[:, 2])
    x1, x2 = np.minimum(b[:, 1], b[:, 3]), np.maximum(b[:, 1], b[:, 3])
    area = (y2 - y1) * (x2 - x1)
    ih = np.maximum(np.minimum(y2[:, None], y2[None]) - np.maximum(y1[:, None], y1[None]), 0)
    iw = np.maximum(np.minimum(x2[:, None], x2[None]) - np.maximum(x1[:, None], x1[None]), 0)
    inter = ih * iw
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / (area[:, None] + area[None] - inter)
    bad = (area[:, None] <= 0) | (area[None] <= 0)
    return np.where(bad, 0, iou).astype(np.float32)


def _greedy(similarity, scores, max_output_size, threshold, score_threshold):
    scores = np.asarray(scores, np.float32)
    if max_output_size < 0:
        raise _invalid("max_output_size must be non-negative")
    order = [int(i) for i in np.argsort(-scores, kind="stable")
             if scores[i] > score_threshold]
    selected = []
    for i in order:
        if len(selected) >= max_output_size:
            break
        if all(similarity[i, j] <= threshold for j in selected):
            selected.append(i)
    return np.array(selected, np.int32)


def _check_boxes(boxes, scores):
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise _invalid(f"boxes must be 2-D with 4 columns: {list(boxes.shape)}")
    if scores.ndim != 1 or scores.shape[0] != boxes.shape[0]:
        raise _invalid(f"scores has incompatible shape {list(scores.shape)}")


def _nms_shape(op):
    op.inputs[0].shape.with_rank(2)
    op.inputs[1].shape.with_rank(1)
    op.inputs[2].shape.with_rank(0)
    return TensorShape([None])


@defop("NonMaxSuppressionV2", inputs=("boxes: T", "scores: T", "max_output_size: int32",
                                      "iou_threshold: T_threshold"),
       outputs=("selected_indices: int32",),
       attrs={"T": dtypes.float32, "T_threshold": dtypes.float32})
class NonMaxSuppressionV2:
    """Indices of up to `max_output_size` boxes in decreasing score, each overlapping
    (IoU) the ones already kept by at most `iou_threshold`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _nms_shape

    def kernel(xp, boxes, scores, max_output_size, iou_threshold):
        _check_boxes(boxes, scores)
        return _greedy(_iou_matrix(boxes), scores, int(max_output_size),
                       float(iou_threshold), -np.inf)


@defop("NonMaxSuppressionV3", inputs=("boxes: T", "scores: T", "max_output_size: int32",
                                      "iou_threshold: T_threshold",
                                      "score_threshold: T_threshold"),
       outputs=("selected_indices: int32",),
       attrs={"T": dtypes.float32, "T_threshold": dtypes.float32})
class NonMaxSuppressionV3:
    """NonMaxSuppressionV2 keeping only boxes scoring above `score_threshold`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _nms_shape

    def kernel(xp, boxes, scores, max_output_size, iou_threshold, score_threshold):
        _check_boxes(boxes, scores)
        return _greedy(_iou_matrix(boxes), scores, int(max_output_size),
                       float(iou_threshold), float(score_threshold))


@defop("NonMaxSuppressionV4", inputs=("boxes: T", "scores: T", "max_output_size: int32",
                                      "iou_threshold: T_threshold",
                                      "score_threshold: T_threshold"),
       outputs=("selected_indices: int32", "valid_outputs: int32"),
       attrs={"T": dtypes.float32, "T_threshold": dtypes.float32,
              "pad_to_max_output_size": False})
class NonMaxSuppressionV4:
    """NonMaxSuppressionV3 also giving the number selected; with
    `pad_to_max_output_size` the indices are zero-padded to `max_output_size`."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        _nms_shape(op)
        n = get_static_value(op.inputs[2])
        pad = op.get_attr("pad_to_max_output_size")
        return [TensorShape([int(n) if pad and n is not None else None]), TensorShape([])]

    def kernel(xp, boxes, scores, max_output_size, iou_threshold, score_threshold,
               pad_to_max_output_size):
        _check_boxes(boxes, scores)
        sel = _greedy(_iou_matrix(boxes), scores, int(max_output_size),
                      float(iou_threshold), float(score_threshold))
        n = np.int32(len(sel))
        if pad_to_max_output_size:
            sel = np.concatenate([sel, np.zeros(int(max_output_size) - len(sel), np.int32)])
        return sel, np.asarray(n, np.int32)


@defop("NonMaxSuppressionWithOverlaps",
       inputs=("overlaps: float", "scores: float", "max_output_size: int32",
               "overlap_threshold: float", "score_threshold: float"),
       outputs=("selected_indices: int32",))
class NonMaxSuppressionWithOverlaps:
    """Greedy suppression by a precomputed [n, n] `overlaps` matrix."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE
    shape = _nms_shape

    def kernel(xp, overlaps, scores, max_output_size, overlap_threshold, score_threshold):
        o = np.asarray(overlaps, np.float32)
        if o.ndim != 2 or o.shape[0] != o.shape[1] or o.shape[0] != len(scores):
            raise _invalid(f"overlaps must be square [num_boxes, num_boxes], got "
                           f"{list(o.shape)}")
        return _greedy(o, scores, int(max_output_size), float(overlap_threshold),
                       float(score_threshold))


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5,
                        score_threshold=float("-inf"), name=None):
    """Greedily selects boxes by decreasing score, pruning those overlapping a kept box
    by more than `iou_threshold` (`NonMaxSuppressionV3`)."""
    with name_scope(name, "non_max_suppression"):
        iou = convert_to_tensor(iou_threshold, dtype=dtypes.float32, name="iou_threshold")
        st = convert_to_tensor(score_threshold, dtype=dtypes.float32,
                               name="score_threshold")
        boxes = convert_to_tensor(boxes, dtype=dtypes.float32, name="boxes")
        return apply_op("NonMaxSuppressionV3", [
            boxes, convert_to_tensor(scores, dtype=boxes.dtype, name="scores"),
            convert_to_tensor(max_output_size, dtype=dtypes.int32), iou, st])


def non_max_suppression_overlaps(overlaps, scores, max_output_size, overlap_threshold=0.5,
                                 score_threshold=float("-inf"), name=None):
    """Greedy suppression with a precomputed overlap matrix."""
    with name_scope(name, "non_max_suppression_overlaps"):
        ot = convert_to_tensor(overlap_threshold, dtype=dtypes.float32,
                               name="overlap_threshold")
        return apply_op("NonMaxSuppressionWithOverlaps", [
            convert_to_tensor(overlaps, dtype=dtypes.float32),
            convert_to_tensor(scores, dtype=dtypes.float32),
            convert_to_tensor(max_output_size, dtype=dtypes.int32), ot,
            convert_to_tensor(score_threshold, dtype=dtypes.float32)])


# -- drawing -----------------------------------------------------------------------------
_COLORS = [[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1], [0.5, 0, 0.5, 1],
           [0.5, 0.5, 0, 1], [0.5, 0, 0, 1], [0, 0, 0.5, 1], [0, 1, 1, 1], [1, 0, 1, 1]]


def _draw(images, boxes, colors):
    out = np.array(images, copy=True)
    if out.ndim != 4:
        raise _invalid("The rank of the images should be 4")
    n, h, w, depth = out.shape
    if depth not in (1, 3, 4):
        raise _invalid("Channel depth should be either 1 (GRY), 3 (RGB), or 4 (RGBA)")
    boxes = np.asarray(boxes, np.float32)
    table = [list(c) + [1] * (4 - len(c)) for c in np.asarray(colors).tolist()]
    if depth == 1:
        for c in table:
            c[0] = 1
    for b in range(n):
        for k in range(boxes.shape[1]):
            color = np.asarray(table[k % len(table)][:depth], out.dtype)
            y0, x0 = int(boxes[b, k, 0] * _F32(h - 1)), int(boxes[b, k, 1] * _F32(w - 1))
            y1, x1 = int(boxes[b, k, 2] * _F32(h - 1)), int(boxes[b, k, 3] * _F32(w - 1))
            if y0 > y1 or x0 > x1 or y0 >= h or y1 < 0 or x0 >= w or x1 < 0:
                continue
            cy0, cy1, cx0, cx1 = max(y0, 0), min(y1, h - 1), max(x0, 0), min(x1, w - 1)
            if y0 >= 0:
                out[b, y0, cx0:cx1 + 1] = color
            if y1 < h:
                out[b, y1, cx0:cx1 + 1] = color
            if x0 >= 0:
                out[b, cy0:cy1 + 1, x0] = color
            if x1 < w:
                out[b, cy0:cy1 + 1, x1] = color
    return out


@defop("DrawBoundingBoxes", inputs=("images: T", "boxes: float"), outputs=("output: T",),
       attrs={"T": dtypes.float32})
class DrawBoundingBoxes:
    """Images with the outline of each box drawn (colours cycling through TF's table)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return op.inputs[0].shape.with_rank(4)

    def kernel(xp, images, boxes):
        return _draw(images, boxes, _COLORS)


@defop("DrawBoundingBoxesV2", inputs=("images: T", "boxes: float", "colors: float"),
       outputs=("output: T",), attrs={"T": dtypes.float32})
class DrawBoundingBoxesV2:
    """DrawBoundingBoxes with the colours given ([num_colors, 4] RGBA)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return op.inputs[0].shape.with_rank(4)

    def kernel(xp, images, boxes, colors):
        colors = np.asarray(colors)
        return _draw(images, boxes, colors if colors.size else _COLORS)


def draw_bounding_boxes(images, boxes, name=None, colors=None):
    """Draws the [batch, num_boxes, 4] normalized `boxes` on [batch, h, w, depth]
    `images`."""
    images = convert_to_tensor(images, name="images")
    boxes = convert_to_tensor(boxes, dtype=dtypes.float32, name="boxes")
    if colors is None:
        return apply_op("DrawBoundingBoxes", [images, boxes], name=name)
    return apply_op("DrawBoundingBoxesV2", [images, boxes, convert_to_tensor(
        colors, dtype=dtypes.float32)], name=name)


# -- CropAndResize -----------------------------------------------------------------------
def _crop_axis(lo, hi, size, crop):
    """(sample positions [n, crop], d position/d lo, d position/d hi) along one axis."""
    lo, hi = np.asarray(lo, _F32)[:, None], np.asarray(hi, _F32)[:, None]
    m = _F32(size - 1)
    if crop > 1:
        step = (hi - lo) * m / _F32(crop - 1)
        k = np.arange(crop, dtype=_F32)[None]
        pos = lo * m + k * step
        ratio = m / _F32(crop - 1)
        d_lo = np.broadcast_to(m - k * ratio, pos.shape)
        d_hi = np.broadcast_to(k * ratio, pos.shape)
    else:
        pos = _F32(0.5) * (lo + hi) * m
        d_lo = d_hi = np.full(pos.shape, _F32(0.5) * m, _F32)
    return pos.astype(_F32), d_lo, d_hi


def _crop_setup(image_shape, boxes, box_ind, crop_size):
    _, h, w, _ = image_shape
    boxes = np.asarray(boxes, _F32)
    ind = _host(box_ind).astype(np.int64).reshape(-1)
    ch, cw = (int(v) for v in _host(crop_size).reshape(-1))
    if ch <= 0 or cw <= 0:
        raise _invalid("crop dimensions must be positive")
    if boxes.ndim != 2 or boxes.shape[1] != 4 or len(ind) != len(boxes):
        raise _invalid(f"boxes must be [num_boxes, 4] and box_index [num_boxes]: "
                       f"{list(boxes.shape)}, {list(ind.shape)}")
    if len(ind) and ((ind < 0) | (ind >= image_shape[0])).any():
        raise _invalid("box_index has values outside [0, batch_size)")
    ys = _crop_axis(boxes[:, 0], boxes[:, 2], h, ch)
    xs = _crop_axis(boxes[:, 1], boxes[:, 3], w, cw)
    return ind, ys, xs, h, w


def _crop_kernel(xp, image, boxes, box_ind, crop_size, method, extrapolation_value):
    if image.ndim != 4:
        raise _invalid(f"input image must be 4-D, got {list(image.shape)}")
    if image.shape[1] <= 0 or image.shape[2] <= 0:
        raise _invalid("image dimensions must be positive")
    ind, (py, _, _), (px, _, _), h, w = _crop_setup(image.shape, boxes, box_ind, crop_size)
    img = np.asarray(image, _F32)
    n, ch, cw, d = len(ind), py.shape[1], px.shape[1], image.shape[3]
    out = np.empty((n, ch, cw, d), _F32)
    for b in range(n):
        src = img[ind[b]]
        y, x = py[b], px[b]
        if method == "bilinear":
            y0, x0 = np.floor(y), np.floor(x)
            yl, xl = (y - y0)[:, None, None], (x - x0)[None, :, None]
            t, bo = np.clip(y0, 0, h - 1).astype(int), np.clip(np.ceil(y), 0, h - 1).astype(int)
            le, ri = np.clip(x0, 0, w - 1).astype(int), np.clip(np.ceil(x), 0, w - 1).astype(int)
            tl, tr = src[t][:, le], src[t][:, ri]
            bl, br = src[bo][:, le], src[bo][:, ri]
            top = tl + (tr - tl) * xl
            bottom = bl + (br - bl) * xl
            val = top + (bottom - top) * yl
        else:
            yi = np.clip(np.floor(y + _F32(0.5)), 0, h - 1).astype(int)
            xi = np.clip(np.floor(x + _F32(0.5)), 0, w - 1).astype(int)
            val = src[yi][:, xi]
        inside = ((y >= 0) & (y <= h - 1))[:, None] & ((x >= 0) & (x <= w - 1))[None, :]
        out[b] = np.where(inside[..., None], val, _F32(extrapolation_value))
    return out


def _crop_grad(op, g):
    image, boxes, box_ind = op.inputs[:3]
    method = op.get_attr("method")
    d_image = None
    if image.dtype in (dtypes.float16, dtypes.float32, dtypes.float64):
        d_image = apply_op("CropAndResizeGradImage", [g, boxes, box_ind,
                                                      array_ops.shape(image)],
                           {"T": image.dtype, "method": method})
    d_boxes = apply_op("CropAndResizeGradBoxes", [g, image, boxes, box_ind],
                       {"method": "bilinear"})
    return [d_image, d_boxes, None, None]


@defop("CropAndResize", inputs=("image: T", "boxes: float", "box_ind: int32",
                                "crop_size: int32"), outputs=("crops: float",),
       attrs={"method": "bilinear", "extrapolation_value": 0.0})
class CropAndResize:
    """Crops each box from image `box_ind[i]` and resamples it (bilinear or nearest) to
    `crop_size`; samples outside the image take `extrapolation_value`."""
    devices = ("CPU",)
    kernel = staticmethod(_crop_kernel)
    grad = staticmethod(_crop_grad)

    def shape(op):
        img = op.inputs[0].shape.with_rank(4)
        boxes = op.inputs[1].shape.with_rank(2)
        size = get_static_value(op.inputs[3])
        ch, cw = (None, None) if size is None else (int(size[0]), int(size[1]))
        return TensorShape([boxes[0], ch, cw, img[3]])


@defop("CropAndResizeGradImage", inputs=("grads: float", "boxes: float", "box_ind: int32",
                                         "image_size: int32"), outputs=("output: T",),
       attrs={"T": None, "method": "bilinear"})
class CropAndResizeGradImage:
    """CropAndResize's gradient with respect to the image."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        size = get_static_value(op.inputs[3])
        return TensorShape(None if size is None else [int(s) for s in size])

    def kernel(xp, grads, boxes, box_ind, image_size, T, method):
        shape = tuple(int(s) for s in _host(image_size).reshape(-1))
        crop = np.array(grads.shape[1:3], np.int32)
        ind, (py, _, _), (px, _, _), h, w = _crop_setup(shape, boxes, box_ind, crop)
        out = np.zeros(shape, np.float64)
        g = np.asarray(grads, np.float64)
        for b in range(len(ind)):
            y, x = py[b], px[b]
            iy = (y >= 0) & (y <= h - 1)
            ix = (x >= 0) & (x <= w - 1)
            gb = g[b] * (iy[:, None] & ix[None, :])[..., None]
            dst = out[ind[b]]
            if method == "bilinear":
                y0, x0 = np.floor(y), np.floor(x)
                yl, xl = (y - y0).astype(np.float64), (x - x0).astype(np.float64)
                t = np.clip(y0, 0, h - 1).astype(int)
                bo = np.clip(np.ceil(y), 0, h - 1).astype(int)
                le = np.clip(x0, 0, w - 1).astype(int)
                ri = np.clip(np.ceil(x), 0, w - 1).astype(int)
                for rows, wy in ((t, 1 - yl), (bo, yl)):
                    for cols, wx in ((le, 1 - xl), (ri, xl)):
                        np.add.at(dst, (rows[:, None], cols[None, :]),
                                  gb * (wy[:, None] * wx[None, :])[..., None])
            else:
                yi = np.clip(np.floor(y + _F32(0.5)), 0, h - 1).astype(int)
                xi = np.clip(np.floor(x + _F32(0.5)), 0, w - 1).astype(int)
                np.add.at(dst, (yi[:, None], xi[None, :]), gb)
        return out.astype(np.dtype(T))


@defop("CropAndResizeGradBoxes", inputs=("grads: float", "image: T", "boxes: float",
                                         "box_ind: int32"), outputs=("output: float",),
       attrs={"method": "bilinear"})
class CropAndResizeGradBoxes:
    """CropAndResize's gradient with respect to the boxes (through bilinear sampling)."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        return op.inputs[2].shape

    def kernel(xp, grads, image, boxes, box_ind, method):
        crop = np.array(grads.shape[1:3], np.int32)
        ind, (py, dy0, dy1), (px, dx0, dx1), h, w = _crop_setup(image.shape, boxes,
                                                               box_ind, crop)
        img = np.asarray(image, np.float64)
        g = np.asarray(grads, np.float64)
        out = np.zeros((len(ind), 4), np.float64)
        for b in range(len(ind)):
            src = img[ind[b]]
            y, x = py[b], px[b]
            y0, x0 = np.floor(y), np.floor(x)
            yl, xl = (y - y0)[:, None, None], (x - x0)[None, :, None]
            t, bo = np.clip(y0, 0, h - 1).astype(int), np.clip(np.ceil(y), 0, h - 1).astype(int)
            le, ri = np.clip(x0, 0, w - 1).astype(int), np.clip(np.ceil(x), 0, w - 1).astype(int)
            tl, tr = src[t][:, le], src[t][:, ri]
            bl, br = src[bo][:, le], src[bo][:, ri]
            grad_y = (1 - xl) * (bl - tl) + xl * (br - tr)
            grad_x = (1 - yl) * (tr - tl) + yl * (br - bl)
            inside = (((y >= 0) & (y <= h - 1))[:, None] &
                      ((x >= 0) & (x <= w - 1))[None, :])[..., None]
            gy = (grad_y * g[b] * inside).sum(-1)
            gx = (grad_x * g[b] * inside).sum(-1)
            out[b, 0] = (gy * dy0[b][:, None]).sum()
            out[b, 2] = (gy * dy1[b][:, None]).sum()
            out[b, 1] = (gx * dx0[b][None, :]).sum()
            out[b, 3] = (gx * dx1[b][None, :]).sum()
        return out.astype(_F32)


def crop_and_resize(image, boxes, box_ind=None, crop_size=None, method="bilinear",
                    extrapolation_value=0, name=None, box_indices=None):
    """Crops boxes from a batch of images and resizes each to `crop_size`."""
    if box_ind is None:
        box_ind = box_indices
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"method must be 'bilinear' or 'nearest', got {method!r}")
    with name_scope(name, "CropAndResize", [image, boxes]) as s:
        return apply_op("CropAndResize", [
            convert_to_tensor(image, name="image"),
            convert_to_tensor(boxes, dtype=dtypes.float32, name="boxes"),
            convert_to_tensor(box_ind, dtype=dtypes.int32, name="box_ind"),
            convert_to_tensor(crop_size, dtype=dtypes.int32, name="crop_size")],
            {"method": method, "extrapolation_value": float(extrapolation_value)}, name=s)


# -- ExtractImagePatches -----------------------------------------------------------------
def _patch_geometry(in_size, k, s, r, padding):
    eff = k + (k - 1) * (r - 1)
    if padding == "VALID":
        out = (in_size - eff + s) // s if in_size >= eff else 0
        before = 0
    else:
        out = -(-in_size // s)
        before = max((out - 1) * s + eff - in_size, 0) // 2
    return out, before


def patch_index(in_rows, in_cols, ksizes, strides, rates, padding):
    """[out_rows, out_cols, kr * kc] flat input positions (-1 in the padding)."""
    (kr, kc), (sr, sc), (rr, rc) = ksizes[1:3], strides[1:3], rates[1:3]
    orow, prow = _patch_geometry(in_rows, kr, sr, rr, padding)
    ocol, pcol = _patch_geometry(in_cols, kc, sc, rc, padding)
    rows = (np.arange(orow) * sr - prow)[:, None] + np.arange(kr)[None] * rr
    cols = (np.arange(ocol) * sc - pcol)[:, None] + np.arange(kc)[None] * rc
    r = rows[:, None, :, None]
    c = cols[None, :, None, :]
    flat = r * in_cols + c
    ok = (r >= 0) & (r < in_rows) & (c >= 0) & (c < in_cols)
    return np.where(ok, flat, -1).reshape(orow, ocol, kr * kc)


def _patches_grad(op, g):
    images = op.inputs[0]
    shape = images.shape.as_list()
    if None in shape[1:3]:
        raise NotImplementedError("The gradient of extract_image_patches needs the "
                                  "images' height and width known when built")
    _, h, w, _ = shape
    idx = patch_index(h, w, op.get_attr("ksizes"), op.get_attr("strides"),
                      op.get_attr("rates"), op.get_attr("padding"))
    ids = np.where(idx < 0, h * w, idx).reshape(-1).astype(np.int32)
    k = idx.shape[2]
    gs = array_ops.shape(g)
    depth = array_ops.shape(images)[3]
    g6 = array_ops.reshape(g, join_ops.stack([gs[0], gs[1] * gs[2] * k, depth]))
    gt = array_ops.transpose(g6, [1, 0, 2])
    summed = gather_ops.unsorted_segment_sum(gt, ids, h * w + 1)[:h * w]
    back = array_ops.reshape(summed, join_ops.stack([h, w, gs[0], depth]))
    return [array_ops.transpose(back, [2, 0, 1, 3])]


@defop("ExtractImagePatches", inputs=("images: T",), outputs=("patches: T",),
       attrs={"ksizes": None, "strides": None, "rates": None, "padding": None})
class ExtractImagePatches:
    """Each `ksizes` window (taken every `strides`, dilated by `rates`) of 4-D images,
    flattened (rows, columns, depth) into the depth of the output."""
    devices = ("CPU",)
    grad = _patches_grad

    def shape(op):
        b, h, w, d = op.inputs[0].shape.with_rank(4).as_list()
        ks, st, rt = (op.get_attr(a) for a in ("ksizes", "strides", "rates"))
        pad = op.get_attr("padding")
        oh = None if h is None else _patch_geometry(h, ks[1], st[1], rt[1], pad)[0]
        ow = None if w is None else _patch_geometry(w, ks[2], st[2], rt[2], pad)[0]
        return TensorShape([b, oh, ow, None if d is None else ks[1] * ks[2] * d])

    def kernel(xp, images, ksizes, strides, rates, padding):
        x = np.asarray(images)
        n, h, w, d = x.shape
        idx = patch_index(h, w, ksizes, strides, rates, padding)
        flat = np.concatenate([x.reshape(n, h * w, d), np.zeros((n, 1, d), x.dtype)], 1)
        picked = flat[:, np.where(idx < 0, h * w, idx)]     # [n, oh, ow, k, d]
        return picked.reshape(n, idx.shape[0], idx.shape[1], -1)


def extract_image_patches(images, ksizes=None, strides=None, rates=None, padding=None,
                          name=None, sizes=None):
    """Patches of `images` gathered into the depth dimension."""
    if ksizes is None:
        ksizes = sizes
    for what, v in (("ksizes", ksizes), ("strides", strides), ("rates", rates)):
        if v is None or len(v) != 4 or v[0] != 1 or v[3] != 1:
            raise ValueError(f"{what} must be a list [1, rows, cols, 1], got {v}")
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return apply_op("ExtractImagePatches", [convert_to_tensor(images, name="images")], {
        "ksizes": [int(k) for k in ksizes], "strides": [int(s) for s in strides],
        "rates": [int(r) for r in rates], "padding": padding}, name=name)
