# The size of each partition's in-sync replica set (ISR) over time, as its
# leader knows it (while no replica claims to lead, the size the last leader
# reported, as the metadata keeps it), for the first np of
# nparts partitions, with min.insync.replicas as a dashed line and the
# faults shaded as in latency.gp. Called by ksim run with the variables of
# replicas.gp, reading RUN_DIR/isr.dat (block k: partition k; time_s
# partition isr_size) and RUN_DIR/faults.dat, writing RUN_DIR/isr.png.
set terminal pngcairo size 1200,500 noenhanced font ",10"
set output dir."/isr.png"
heading = "ISR size per partition (dashed: min.insync.replicas)"
if (nparts > np) heading = heading.sprintf(" (first %d of %d partitions)", np, nparts)
set title heading
set xlabel "simulated time (s)"
set ylabel "replicas in sync"
top = (nb > misr ? nb : misr) + 1
set xrange [0:tmax]
set yrange [0:top]
set ytics 1
set grid ytics
set key outside right top
set style fill transparent solid 0.15 noborder
plot \
  dir."/faults.dat" using (($1+$2)/2):(0):(($2-$1)/2):(top) \
      with boxxyerror lc rgb "#cc8800" title "faults", \
  dir."/fault_labels.dat" using 1:(top*0.97):2 \
      with labels right rotate by 90 offset 0.6,0 font ",8" tc rgb "#7a5200" notitle, \
  for [k=0:np-1] dir."/isr.dat" index k using 1:3 with steps lw 2 lc k+1 title word(tps, k+1), \
  misr with lines dt 2 lw 2 lc rgb "#d62828" title sprintf("min.insync.replicas = %d", misr)
