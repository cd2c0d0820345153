# Confirms the float64 oracles in Tests/FilterPipeTests/Reference/OperatorReference.swift against
# onnxruntime: the same pool and resize formulas, ported to numpy, on ONNX models of single nodes.
# Run: /work/venv/bin/python scripts/check-operator-reference.py (prints the max |difference| per case).
import numpy as np, onnx, onnxruntime as ort
from onnx import helper, TensorProto
rng=np.random.default_rng(0)
def run(node, x, extra_inits=[]):
    g=helper.make_graph([node],'g',[helper.make_tensor_value_info('x',TensorProto.FLOAT,None)],[helper.make_tensor_value_info('y',TensorProto.FLOAT,None)],initializer=extra_inits)
    m=helper.make_model(g,opset_imports=[helper.make_opsetid('',19)])
    return ort.InferenceSession(m.SerializeToString(),providers=['CPUExecutionProvider']).run(None,{'x':x})[0]
def refpool(x,ismax,k,s,d,p,ceil,incl):
    C,H,W=x.shape[1:]
    def L(n,k,s,d,b,e):
        span=(n+b+e-((k-1)*d+1))/s
        o=int(np.ceil(span) if ceil else np.floor(span))+1
        if ceil and (o-1)*s>=n+b: o-=1
        return o
    oh=L(H,k[0],s[0],d[0],p[0],p[2]); ow=L(W,k[1],s[1],d[1],p[1],p[3])
    out=np.zeros((1,C,oh,ow))
    for c in range(C):
     for y in range(oh):
      for xx in range(ow):
        best=-np.inf; sm=0; cnt=0
        for i in range(k[0]):
         for j in range(k[1]):
           iy=y*s[0]-p[0]+i*d[0]; ix=xx*s[1]-p[1]+j*d[1]
           ins= 0<=iy<H and 0<=ix<W
           inp= -p[0]<=iy<H+p[2] and -p[1]<=ix<W+p[3]
           if ins: best=max(best,x[0,c,iy,ix]); sm+=x[0,c,iy,ix]
           if (inp if incl else ins): cnt+=1
        out[0,c,y,xx]=best if ismax else sm/cnt
    return out
x=rng.uniform(-1,1,(1,3,10,11)).astype(np.float32)
cases=[(True,(2,2),(2,2),(1,1),[1,1,1,1],1,0),(True,(3,2),(1,2),(2,2),[0,1,2,0],0,0),(False,(3,3),(2,2),(1,1),[0,1,2,0],1,1),(False,(3,3),(2,2),(1,1),[0,0,0,0],1,0),(False,(2,3),(3,2),(2,1),[1,0,1,2],0,1)]
for ismax,k,s,d,p,ceil,incl in cases:
    attrs=dict(kernel_shape=list(k),strides=list(s),pads=p,ceil_mode=ceil)
    if ismax: attrs['dilations']=list(d)
    else: attrs['count_include_pad']=incl; attrs['dilations']=list(d)
    y=run(helper.make_node('MaxPool' if ismax else 'AveragePool',['x'],['y'],**attrs),x)
    r=refpool(x,ismax,k,s,d,p,ceil,incl)
    print('pool',ismax,k,s,d,p,ceil,incl,y.shape,r.shape, np.abs(y-r).max() if y.shape==r.shape else 'SHAPE')
x=rng.uniform(-1,1,(1,2,5,6)).astype(np.float32)
def refresize(x,oh,ow,sc,linear,tr,nm):
    C,H,W=x.shape[1:]
    def src(o,s,n,out):
        if tr=='half_pixel': return (o+0.5)/s-0.5
        if tr=='pytorch_half_pixel': return (o+0.5)/s-0.5 if out>1 else 0
        if tr=='align_corners': return 0 if out==1 else o*(n-1)/(out-1)
        return o/s
    def pick(v,n):
        f=np.floor(v)
        r={'floor':f,'ceil':np.ceil(v),'round_prefer_ceil':np.ceil(v) if v-f==0.5 else np.round(v),'round_prefer_floor':f if v-f==0.5 else np.floor(v+0.5)}[nm]
        return min(max(int(r),0),n-1)
    out=np.zeros((1,C,oh,ow))
    for c in range(C):
      for y in range(oh):
        for xx in range(ow):
          sy=src(y,sc[0],H,oh); sx=src(xx,sc[1],W,ow)
          if not linear: out[0,c,y,xx]=x[0,c,pick(sy,H),pick(sx,W)]; continue
          cy=min(max(sy,0),H-1); cx=min(max(sx,0),W-1); y0=int(np.floor(cy)); x0=int(np.floor(cx)); y1=min(y0+1,H-1); x1=min(x0+1,W-1); fy=cy-y0; fx=cx-x0
          out[0,c,y,xx]=(1-fy)*((1-fx)*x[0,c,y0,x0]+fx*x[0,c,y0,x1])+fy*((1-fx)*x[0,c,y1,x0]+fx*x[0,c,y1,x1])
    return out
worst=0
for tr in ['half_pixel','asymmetric','align_corners','pytorch_half_pixel']:
  for mode,nm in [('nearest','floor'),('nearest','ceil'),('nearest','round_prefer_floor'),('nearest','round_prefer_ceil'),('linear','floor')]:
    for sc in [(2.0,2.0),(0.75,1.5),(3.0,0.5)]:
      scales=helper.make_tensor('scales',TensorProto.FLOAT,[4],[1,1,sc[0],sc[1]])
      y=run(helper.make_node('Resize',['x','','scales'],['y'],mode=mode,coordinate_transformation_mode=tr,nearest_mode=nm),x,[scales])
      r=refresize(x,int(5*sc[0]),int(6*sc[1]),sc,mode=='linear',tr,nm)
      e=np.abs(y-r).max() if y.shape==r.shape else 99
      worst=max(worst,e)
      if e>1e-6: print('resize',tr,mode,nm,sc,y.shape,r.shape,e)
print('resize worst',worst)
