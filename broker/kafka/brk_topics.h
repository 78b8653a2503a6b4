/*
 * brk_topics — topic creation (CreateTopics, in brk_topics.c) and its
 * replica placement, exposed for tests: Kafka's rack-unaware
 * AdminUtils.assignReplicasToBrokers.
 */
#ifndef KSIM_BRK_TOPICS_H
#define KSIM_BRK_TOPICS_H

#include <stdint.h>

struct brk_broker;

/* Creates an internal topic (__consumer_offsets) as Kafka's broker does on
 * first use: the same placement and /brokers/topics/<name> write as
 * CreateTopics, the replication factor capped at the live brokers. Fire and
 * forget: a topic that exists already stays as it is; without a ZooKeeper
 * session nothing happens. */
void brk_topics_create_internal(struct brk_broker *b, const char *name, int32_t partitions,
				int16_t replication_factor);

/*
 * The replicas of `partition` (rf of them into out) over `brokers` (n ids,
 * sorted), from start index `start` and initial replica shift `shift`
 * (Kafka draws both at random per topic): the first replica walks the
 * brokers round robin, the others follow at a distance that moves on after
 * each full round, so leaders and followers both spread evenly.
 */
void brk_assign_replicas(const int32_t *brokers, int32_t n, int32_t start, int32_t shift,
			 int32_t partition, int32_t rf, int32_t *out);

#endif
