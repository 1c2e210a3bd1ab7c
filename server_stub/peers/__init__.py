"""The hall peers' data-centre side: peer lists, lease transfers and emergency-hold decisions."""
