# Each replica's log end offset (thin solid steps) and high watermark (thick
# dotted steps, drawn underneath: where the two agree, the dots frame the line) over time, one panel per partition (the first np of nparts), with
# each new leader marked by a dotted line labelled "broker-N eE" (its leader
# epoch) and the faults shaded as in latency.gp. Called by ksim run with
#   gnuplot -e "dir='RUN_DIR'; np=P; nparts=N; nb=B; nfaults=F; misr=M;
#               tmax=T; tps='orders/0 ...'; names='broker-1 ...';
#               tops='120 ...'" reports/plots/replicas.gp
# reading RUN_DIR/replicas.dat (block k*nb+b: partition k on broker b+1;
# time_s partition broker leo hw leader epoch), RUN_DIR/leaders.dat
# (time_s partition label) and RUN_DIR/faults.dat (start_s end_s label),
# writing RUN_DIR/replicas.png.
set terminal pngcairo size 1200,(np*260+80) noenhanced font ",10"
set output dir."/replicas.png"
set style fill transparent solid 0.15 noborder
set xrange [0:tmax]
set grid ytics
set key outside right top
set xlabel "simulated time (s)"
set ylabel "offset"
heading = "log end offset (thin) and high watermark (thick dotted) per replica; grey dotted: new leader"
if (nparts > np) heading = heading.sprintf(" (first %d of %d partitions)", np, nparts)
set multiplot layout np,1 title heading
do for [k=0:np-1] {
  top = word(tops, k+1) + 0
  set yrange [0:top]
  set title word(tps, k+1)
  plot \
    dir."/faults.dat" using (($1+$2)/2):(0):(($2-$1)/2):(top) \
        with boxxyerror lc rgb "#cc8800" title "faults", \
    dir."/fault_labels.dat" using 1:(top*0.97):2 \
        with labels right rotate by 90 offset 0.6,0 font ",8" tc rgb "#7a5200" notitle, \
    for [b=0:nb-1] dir."/replicas.dat" index (k*nb+b) using 1:5 \
        with steps lw 5 dt 3 lc b+1 title word(names, b+1)." HW", \
    for [b=0:nb-1] dir."/replicas.dat" index (k*nb+b) using 1:4 \
        with steps lw 1.5 lc b+1 title word(names, b+1)." LEO", \
    dir."/leaders.dat" using ($2 == k ? $1 : 1/0):(0):(0):(top) \
        with vectors nohead dt 3 lc rgb "#444444" notitle, \
    dir."/leaders.dat" using ($2 == k ? $1 : 1/0):(top*0.85):3 \
        with labels left offset 0.4,0 font ",8" tc rgb "#222222" notitle
}
unset multiplot
