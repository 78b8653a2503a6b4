# Latency of every send and poll over time, by outcome, with the faults
# shaded (as Jepsen's nemesis bars). Called by ksim run with
#   gnuplot -e "dir='RUN_DIR'; nfaults=N" reports/plots/latency.gp
# reading RUN_DIR/latency.dat (time_s latency_ms outcome kind) and
# RUN_DIR/faults.dat (start_s end_s label), writing RUN_DIR/latency.png.
set terminal pngcairo size 1200,500 noenhanced font ",10"
set output dir."/latency.png"
set title "latency by outcome (shaded: faults)"
set xlabel "simulated time (s)"
set ylabel "latency (ms)"
set logscale y
set yrange [0.1:1e5]
set grid ytics
set key outside right top
set style fill transparent solid 0.15 noborder
plot \
  dir."/faults.dat" using (($1+$2)/2):(1e-1):(($2-$1)/2):(1e6) \
      with boxxyerror lc rgb "#cc8800" title "faults", \
  dir."/fault_labels.dat" using 1:(8e4):2 \
      with labels right rotate by 90 offset 0.6,0 font ",8" tc rgb "#7a5200" notitle, \
  dir."/latency.dat" using 1:($3==0 && $4==0 ? $2 : 1/0) with points pt 7 ps 0.3 lc rgb "#2a9d3f" title "send ok", \
  dir."/latency.dat" using 1:($3==1 && $4==0 ? $2 : 1/0) with points pt 7 ps 0.5 lc rgb "#d62828" title "send fail", \
  dir."/latency.dat" using 1:($3==2 && $4==0 ? $2 : 1/0) with points pt 7 ps 0.5 lc rgb "#f77f00" title "send info"
