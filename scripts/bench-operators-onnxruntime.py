# onnxruntime on the same single-layer shapes as `filterpipe-bench ops` (median of 15 runs, 1 and 2 threads).
import numpy as np, onnxruntime as ort, time
from onnx import helper, TensorProto, numpy_helper
rng=np.random.default_rng(0)
def conv(name,c,h,w,f,k,group=1,stride=1,pad=0,transpose=False):
    W=(rng.normal(0,0.1,(c,f//group,k,k) if transpose else (f,c//group,k,k))).astype(np.float32)
    B=np.full(f,0.1,np.float32)
    attrs=dict(kernel_shape=[k,k],strides=[stride,stride],group=group)
    if not transpose: attrs['pads']=[pad]*4
    node=helper.make_node('ConvTranspose' if transpose else 'Conv',['x','W','B'],['y'],**attrs)
    g=helper.make_graph([node],'g',[helper.make_tensor_value_info('x',TensorProto.FLOAT,[1,c,h,w])],[helper.make_tensor_value_info('y',TensorProto.FLOAT,None)],initializer=[numpy_helper.from_array(W,'W'),numpy_helper.from_array(B,'B')])
    m=helper.make_model(g,opset_imports=[helper.make_opsetid('',17)]).SerializeToString()
    x=rng.uniform(-1,1,(1,c,h,w)).astype(np.float32)
    line=name+':'
    for th in [1,2]:
        so=ort.SessionOptions(); so.intra_op_num_threads=th; so.inter_op_num_threads=1
        s=ort.InferenceSession(m,so,providers=['CPUExecutionProvider']); s.run(None,{'x':x})
        t=[]
        for _ in range(15):
            a=time.perf_counter(); s.run(None,{'x':x}); t.append((time.perf_counter()-a)*1e3)
        line+=' threads=%d %.3f ms'%(th,sorted(t)[7])
    print(line)
conv("conv 3x3 96->24 @160x160 pad 1",96,160,160,24,3,pad=1)
conv("conv 1x1 48->48 @160x160",48,160,160,48,1)
conv("conv 1x1 192->192 @40x40",192,40,40,192,1)
conv("conv 1x1 384->384 @20x20",384,20,20,384,1)
conv("depthwise 3x3 64 @160x160 s1",64,160,160,64,3,group=64,pad=1)
conv("depthwise 3x3 64 @160x160 s2",64,160,160,64,3,group=64,stride=2,pad=1)
conv("depthwise 5x5 96 @80x80 s1",96,80,80,96,5,group=96,pad=2)
conv("depthwise 5x5 96 @80x80 s2",96,80,80,96,5,group=96,stride=2,pad=2)
conv("convtranspose 2x2 s2 24->24 @160x160",24,160,160,24,2,stride=2,transpose=True)
